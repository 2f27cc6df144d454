using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cacheback.Tests.CSharp;

public class DependencyInjectionTests
{
    public sealed class UserJob(ILogger<UserJob> logger) : Job<string, string>
    {
        public ILogger<UserJob> Logger { get; } = logger;

        public override string Name => "users";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult($"user {args}");
    }

    public sealed class GatedJob : Job<string, string>
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => "gated";

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(fetchOnMiss: false);

        protected override async Task<string> Fetch(string args, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            return args;
        }
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null, ListLoggerFactory? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
            builder.Services.AddSingleton<ILoggerFactory>(logs);
        builder.Services.AddCacheback();
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    [Fact]
    public void Options_AreBoundFromTheCachebackSection()
    {
        using var host = Build(new()
        {
            ["Cacheback:Lifetime"] = "00:00:30",
            ["Cacheback:RefreshTimeout"] = "00:00:05",
            ["Cacheback:FetchOnMiss"] = "false",
            ["Cacheback:FetchOnStaleThreshold"] = "00:05:00",
            ["Cacheback:MaxConcurrentRefreshes"] = "3",
            ["Cacheback:StoreNames:0"] = "secondary",
        });

        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        var policy = runtime.Options.DefaultPolicy;
        Assert.Equal(TimeSpan.FromSeconds(30), policy.Lifetime);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.RefreshTimeout);
        Assert.False(policy.FetchOnMiss);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.FetchOnStaleThreshold);
        Assert.Equal(3, runtime.Options.Refresh.MaxConcurrency);
        Assert.NotNull(runtime.StoreNamed("secondary"));
    }

    [Fact]
    public void Options_EveryThresholdOfThePolicy_IsAKey()
    {
        using var host = Build(new()
        {
            ["Cacheback:CacheTtl"] = "01:00:00",
            ["Cacheback:EarlyRefreshBeta"] = "1.5",
            ["Cacheback:LifetimeJitter"] = "0.25",
        });

        var policy = host.Services.GetRequiredService<CachebackRuntime>().Options.DefaultPolicy;

        Assert.Equal(Policy.Default.With(cacheTtl: TimeSpan.FromHours(1), earlyRefreshBeta: 1.5, lifetimeJitter: 0.25), policy);
    }

    [Fact]
    public void Options_PolicyInCode_DerivedFromTheConfiguredOne_KeepsItsThresholds()
    {
        using var host = Build(
            new() { ["Cacheback:Lifetime"] = "00:00:30" },
            s => s.AddCacheback(o => o.Policy = o.Policy.With(fetchOnMiss: false)));

        var policy = host.Services.GetRequiredService<CachebackRuntime>().Options.DefaultPolicy;

        Assert.Equal(TimeSpan.FromSeconds(30), policy.Lifetime);
        Assert.False(policy.FetchOnMiss);
    }

    [Fact]
    public void Options_NullPolicy_IsRefusedWhenSet()
    {
        var options = new CachebackOptions();

        var e = Assert.Throws<ArgumentNullException>(() => options.Policy = null!);

        Assert.Equal("value", e.ParamName);
        Assert.Same(Policy.Default, options.Policy);
    }

    [Fact]
    public void Options_InvalidThresholds_FailWhenTheRuntimeIsBuilt()
    {
        using var host = Build(new() { ["Cacheback:Lifetime"] = "00:00:00" });

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());
        Assert.Contains("Cacheback:Lifetime must be at least 1 ms, but was 00:00:00", e.Message);
    }

    [Fact]
    public async Task AddCachebackJob_RegistersByNameAtStart_AndLogsUnderTheJobsCategory()
    {
        var logs = new ListLoggerFactory();
        using var host = Build(new() { ["Cacheback:Lifetime"] = "00:00:30" }, s => s.AddCachebackJob<UserJob>(), logs);
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        var job = host.Services.GetRequiredService<UserJob>();

        Assert.True(runtime.Registry.Contains("users"));
        Assert.Same(runtime, job.Runtime);
        Assert.Equal(TimeSpan.FromSeconds(30), job.Policy.Lifetime);
        Assert.NotNull(job.Logger);
        Assert.Equal("user 1", await job.GetAsync("1"));
        Assert.Contains(logs.Entries, e => e.Category == "Cacheback.Job.users");
        await host.StopAsync();
    }

    [Fact]
    public async Task HostedWorker_RunsRefreshes()
    {
        using var host = Build(new(), s => s.AddCachebackJob<GatedJob>(ServiceLifetime.Singleton));
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        var job = host.Services.GetRequiredService<GatedJob>();
        var filled = System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(runtime.Outcomes));

        Assert.Null(await job.GetAsync("a"));
        job.Gate.SetResult();

        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal("a", await job.GetAsync("a"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Shutdown_DrainsRunningRefreshesWithinTheDrainTime()
    {
        using var host = Build(new() { ["Cacheback:DrainTimeout"] = "00:05:00" }, s => s.AddCachebackJob<GatedJob>(ServiceLifetime.Singleton));
        await host.StartAsync();
        var job = host.Services.GetRequiredService<GatedJob>();
        Assert.Null(await job.GetAsync("a"));
        await job.Started.Task;

        var stopping = host.StopAsync();
        job.Gate.SetResult(); // the running refresh finishes while the host drains
        await stopping;

        var report = host.Services.GetRequiredService<CachebackRefreshService>().LastDrainReport;
        Assert.NotNull(report);
        Assert.True(report.IsClean);
        Assert.Equal(1, report.Completed);
    }

    [Fact]
    public async Task Shutdown_PastTheDrainTime_CancelsAndReportsWhatItDropped()
    {
        var logs = new ListLoggerFactory();
        using var host = Build(new() { ["Cacheback:DrainTimeout"] = "00:00:00" }, s => s.AddCachebackJob<GatedJob>(ServiceLifetime.Singleton), logs);
        await host.StartAsync();
        var job = host.Services.GetRequiredService<GatedJob>();
        Assert.Null(await job.GetAsync("a"));
        await job.Started.Task;

        await host.StopAsync();

        var report = host.Services.GetRequiredService<CachebackRefreshService>().LastDrainReport;
        Assert.NotNull(report);
        var dropped = Assert.Single(report.Abandoned);
        Assert.Equal(("gated", "a"), (dropped.Job, dropped.Key));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("1 were cancelled unfinished (gated:a)"));
    }
}
