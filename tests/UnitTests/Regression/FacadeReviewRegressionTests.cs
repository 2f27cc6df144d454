using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.Regression;

/// <summary>One test per problem the review of the C# façade found; each failed before its fix.</summary>
public class FacadeReviewRegressionTests
{
    public sealed class CountingJob : Job<string, string>
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"{args} #{Interlocked.Increment(ref _calls)}");
    }

    [Fact]
    public async Task NewInstanceForEachCall_SharesTheJobsCache()
    {
        using var h = new Harness();
        var first = new CountingJob();
        first.AttachTo(h.Runtime);
        var value = await first.GetAsync("a");

        var second = new CountingJob();
        second.AttachTo(h.Runtime);

        Assert.Equal(value, await second.GetAsync("a"));
    }

    public sealed class SlowRefreshJob : Job<string, string>
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override TimeSpan RefreshTimeout => TimeSpan.FromMinutes(10);

        protected override async Task<string> Fetch(string args, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            return args;
        }
    }

    [Fact]
    public async Task BackgroundRefresh_IsTimedByTheJobsRefreshTimeout_NotTheRuntimesDefault()
    {
        using var h = new Harness(refresh: new RefreshPipelineOptions { Timeout = TimeSpan.FromSeconds(1) });
        var job = new SlowRefreshJob();
        job.AttachTo(h.Runtime);
        var outcome = h.NextOutcome();
        await job.EnqueueRefreshAsync("a");
        await job.Started.Task;

        h.Time.Advance(TimeSpan.FromMinutes(1)); // past the runtime's 1 s, inside the job's 10 min
        Assert.False(outcome.IsCompleted);
        job.Gate.SetResult();

        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
    }

    public sealed class ThresholdJob : Job<string, string>
    {
        private int _calls;

        public int Calls => _calls;

        public override TimeSpan? FetchOnStaleThreshold => TimeSpan.FromSeconds(900);

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"v{Interlocked.Increment(ref _calls)}");
    }

    [Fact]
    public async Task Invalidate_DoesNotMakeDataTooStale_TheDataAgeDoes()
    {
        using var h = new Harness(runRefreshes: false);
        var job = new ThresholdJob();
        job.AttachTo(h.Runtime);
        Assert.Equal("v1", await job.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await job.InvalidateAsync("k");

        h.Time.Advance(TimeSpan.FromMinutes(6)); // 6.5 min old: stale, but under the 15 min threshold

        Assert.Equal("v1", await job.GetAsync("k"));
        Assert.Equal(1, job.Calls);
    }

    [Fact]
    public async Task AddCacheback_WithoutAHost_StillRefreshes()
    {
        var services = new ServiceCollection();
        services.AddCacheback(o => o.FetchOnMiss = false);
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<CachebackRuntime>();
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: runtime, name: "no-host");
        var filled = System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(runtime.Outcomes));

        Assert.Null(await cached.GetAsync("a"));

        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal("a", await cached.GetAsync("a"));
    }

    public sealed class PolicyInConstructorJob : Job<string, string>
    {
        public PolicyInConstructorJob() => ConstructedWith = Policy;

        public Policy ConstructedWith { get; }

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }

    [Fact]
    public async Task AddCachebackJob_AttachesEvenAJobRegisteredBefore_OrOneReadingItsPolicyEarly()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(new CountingJob());
        builder.Services.AddCacheback();
        builder.Services.AddCachebackJob<CountingJob>();
        builder.Services.AddCachebackJob<PolicyInConstructorJob>();
        using var host = builder.Build();
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        Assert.Same(runtime, host.Services.GetRequiredService<CountingJob>().Runtime);
        Assert.Same(runtime, host.Services.GetRequiredService<PolicyInConstructorJob>().Runtime);
        await host.StopAsync();
    }

    [Fact]
    public void StoreNames_FromConfigurationAndCodeAlike_AreOneStore()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cacheback:StoreNames:0"] = "secondary" });
        builder.Services.AddCacheback(o => o.StoreNames.Add("secondary"));
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetRequiredService<CachebackRuntime>().StoreNamed("secondary"));
    }

    [Fact]
    public void NegativeDrainTimeout_FailsWhenTheRuntimeIsBuilt()
    {
        var services = new ServiceCollection();
        services.AddCacheback(o => o.DrainTimeout = TimeSpan.FromSeconds(-1));
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<CachebackRuntime>());
        Assert.Contains("Cacheback:DrainTimeout must not be negative (was -00:00:01).", e.Failures);
    }

    [Fact]
    public async Task Worker_CanStartAgainAfterAStop()
    {
        using var h = new Harness();
        await h.Runtime.Worker.StopAsync(TimeSpan.Zero);
        Assert.False(h.Runtime.Worker.IsRunning);

        h.Runtime.Worker.Start();
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: h.Runtime, name: "restart");
        var outcome = h.NextOutcome();
        await cached.EnqueueRefreshAsync("a");

        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
    }

    public sealed class GenericJob<T> : Job<string, T>
    {
        protected override Task<T> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(default(T)!);
    }

    [Fact]
    public void DefaultName_OfAGenericJob_CarriesNoAssemblyVersion() =>
        Assert.Equal("Cacheback.Tests.Regression.FacadeReviewRegressionTests.GenericJob<System.Int32>", new GenericJob<int>().Name);
}
