using Cacheback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ConsumerApp;

/// <summary>A generic host set up as an application would: Cacheback (embedded or on Redis), a job, a cached function.</summary>
internal sealed class AppHost : IAsyncDisposable
{
    /// <summary>The lifetime of both the job and the cached function.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly IHost _host;

    private AppHost(IHost host)
    {
        _host = host;
        Clock = host.Services.GetRequiredService<ManualClock>();
        Source = host.Services.GetRequiredService<Source>();
        Greeting = host.Services.GetRequiredKeyedService<CachedFetch<string, string>>("consumer.greeting");
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>The runtime's clock: a stale item is one a minute away.</summary>
    public ManualClock Clock { get; }

    /// <summary>The slow source behind the job and the function, counting fetches.</summary>
    public Source Source { get; }

    /// <summary>A cached function registered with the services, on the host's runtime.</summary>
    public CachedFetch<string, string> Greeting { get; }

    public static async Task<AppHost> StartAsync(string? redis)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<Source>();
        if (redis is null)
        {
            builder.Services.AddCacheback();
        }
        else
        {
            builder.Services.AddCachebackRedis(options =>
            {
                options.Configuration = redis;
                options.KeyPrefix = $"consumer:{Guid.NewGuid():N}:";
            });
            builder.Services.AddStackExchangeRedisCache(options =>
            {
                options.Configuration = redis;
                options.InstanceName = "consumer:";
            });
        }

        // The app's HybridCache is Cacheback's: the one line an app written against HybridCache changes.
        builder.Services.AddCachebackHybridCache();
        builder.Services.AddCachebackJob<GreetingJob>();
        builder.Services.AddCachedFetch<string, string>(
            "consumer.greeting",
            (services, name, ct) => services.GetRequiredService<Source>().FetchAsync("function:" + name, ct),
            job => job with { Policy = Policy.Create(lifetime: Lifetime) });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return new AppHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(stopping.Token);
        _host.Dispose();
    }
}
