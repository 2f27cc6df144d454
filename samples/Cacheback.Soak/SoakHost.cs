using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cacheback.Soak;

/// <summary>The host of a soak process, wired as an app would wire Cacheback.</summary>
public static class SoakHost
{
    public static IHost Build(SoakSettings settings, bool worker)
    {
        var builder = Host.CreateApplicationBuilder();
        // The injected failures would log a line each; the soak counts them instead.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Cacheback", LogLevel.Critical);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Drain);
        if (settings.Redis is null)
        {
            builder.Services.AddSoak(settings, _ => new MemorySoakCounters());
            return builder.Build();
        }

        builder.Services.AddCachebackRedis(redis =>
        {
            redis.Configuration = settings.Redis;
            redis.KeyPrefix = settings.Prefix;
            redis.QueueOptions = redis.QueueOptions with { KeyPrefix = $"{settings.Prefix}queue:", PollInterval = settings.PollInterval };
        });
        builder.Services.AddSoak(settings, provider => new RedisSoakCounters(provider.GetRequiredService<CachebackRedis>().Connection.GetDatabase(), settings.Prefix!));
        if (worker)
            builder.Services.AddCachebackWorker();                           // this process refreshes
        else
            builder.Services.AddCacheback(o => o.RunRefreshWorker = false); // a reading node: the workers refresh
        return builder.Build();
    }
}

/// <summary>A worker process of a Redis soak (<c>--worker</c>): refreshes until its standard input closes, then drains.</summary>
public static class SoakWorker
{
    public static async Task<int> RunAsync(SoakSettings settings)
    {
        using var host = SoakHost.Build(settings, worker: true);
        using var tally = host.Services.GetRequiredService<CachebackRuntime>().Outcomes.Subscribe(new OutcomeTally(host.Services.GetRequiredService<SoakCounters>(), TimeProvider.System));
        await host.StartAsync();
        var (heap, threads) = ProcessFigures.Measure();
        Console.WriteLine($"soak-worker start {Environment.ProcessId} {heap} {threads}");
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await Task.WhenAny(Console.In.ReadToEndAsync(stopping), Task.Delay(Timeout.Infinite, stopping));
        (heap, threads) = ProcessFigures.Measure();
        await host.StopAsync(); // drains what it holds, up to DrainTimeout
        Console.WriteLine($"soak-worker end {Environment.ProcessId} {heap} {threads}");
        return 0;
    }
}
