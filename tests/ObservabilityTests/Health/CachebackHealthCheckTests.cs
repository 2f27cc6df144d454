using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Cacheback.Tests.Observability.Health;

/// <summary>AddHealthChecks().AddCacheback(): the store probe and the refresh worker check, each outcome.</summary>
public sealed class CachebackHealthCheckTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Store_Answering_IsHealthy()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new EncodedStore(new FakeBinaryStore()) });

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.StoreCheckName);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
    }

    [Fact]
    public async Task Store_Throwing_IsUnhealthyWithTheError()
    {
        var down = new InvalidOperationException("connection refused");
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new EncodedStore(new FakeBinaryStore { Throws = down }) });

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.StoreCheckName);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Same(down, entry.Exception);
        Assert.Contains("connection refused", entry.Description);
    }

    [Fact]
    public async Task Store_DroppingWrites_IsUnhealthy()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new EncodedStore(new FakeBinaryStore { DropsWrites = true }) });

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.StoreCheckName);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("did not keep a write", entry.Description);
    }

    [Fact]
    public async Task Store_NeverAnswering_IsUnhealthyAfterTheTimeout()
    {
        var time = new FakeTimeProvider();
        var store = new FakeBinaryStore { Hangs = true };
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new EncodedStore(store), TimeProvider = time });

        // The probe's timeout runs on the runtime's clock: it fires when the test moves it, not before.
        var check = CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.StoreCheckName, o => o.Timeout = TimeSpan.FromSeconds(5));
        await store.Hanging.Task.WaitAsync(Bound);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(check.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        var entry = await check.WaitAsync(Bound);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("did not answer within", entry.Description);
    }

    [Fact]
    public async Task Store_FailureStatusGiven_ReportsIt()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new EncodedStore(new FakeBinaryStore { Throws = new InvalidOperationException("down") }) });

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.StoreCheckName, failureStatus: HealthStatus.Degraded);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
    }

    [Fact]
    public async Task Worker_Running_IsHealthy()
    {
        using var runtime = new CachebackRuntime();

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(true, entry.Data["running"]);
    }

    [Fact]
    public async Task Worker_Stopped_IsUnhealthy()
    {
        using var runtime = new CachebackRuntime();
        await runtime.Worker.StopAsync(TimeSpan.Zero);

        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("has stopped", entry.Description);
    }

    [Fact]
    public async Task Worker_WhoseTakesKeepFailing_KeepsRunning_AndIsUnhealthyWithTheError()
    {
        // Regression (issue 10 #2): a take that threw ended the loop for good while IsRunning stayed true.
        // Now the loop goes on with backoff, and the health check tells that nothing is taken.
        var broken = new InvalidCastException("attempts is not a number");
        var queue = new BrokenQueue(broken);
        var logs = new ListLoggerFactory();
        // The failure is recorded just before its log line, on the loop's thread: the line says it is there.
        var logged = logs.WhenLogged(e => e.Category == "Cacheback.Refresh" && e.Exception == broken);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Queue = queue, TimeProvider = new FakeTimeProvider(), LoggerFactory = logs });
        await queue.Taken.Task.WaitAsync(Bound);
        await logged.WaitAsync(Bound);

        Assert.True(runtime.Worker.IsRunning);
        var entry = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName);
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Same(broken, entry.Exception);
        Assert.Contains("cannot take from its queue", entry.Description);
    }

    [Fact]
    public async Task Worker_NeverStarted_IsHealthyUnlessRequired()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { RunRefreshWorker = false });

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName)).Status);
        var required = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName, o => o.RequireRefreshWorker = true);
        Assert.Equal(HealthStatus.Unhealthy, required.Status);
    }

    [Fact]
    public async Task Worker_WhoseQueueIsFull_IsDegraded_AndHealthyOnceItDrains()
    {
        var queue = new InProcessQueue(capacity: 1);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Queue = queue, Refresh = new RefreshPipelineOptions { MaxConcurrency = 1 } });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cached = Cache.Wrap<string, string>(
            async (k, _) =>
            {
                started.TrySetResult();
                await release.Task;
                return k;
            },
            runtime: runtime,
            name: "slow");
        var both = runtime.Outcomes.Take(2).ToArray().ToTask();

        await cached.EnqueueRefreshAsync("a"); // taken: its fetch holds the only slot
        await started.Task.WaitAsync(Bound);
        await cached.EnqueueRefreshAsync("b"); // waits: the queue is full

        var full = await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName);
        Assert.Equal(HealthStatus.Degraded, full.Status);
        Assert.Contains("'default' is full", full.Description);

        release.SetResult();
        await both.WaitAsync(Bound);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(runtime, CachebackHealthChecksBuilderExtensions.WorkerCheckName)).Status);
    }

    [Fact]
    public void Options_Invalid_FailWhenAdded()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddCacheback(o => o.Timeout = TimeSpan.Zero));

        Assert.Equal("Timeout", e.ParamName);
    }

    private static async Task<HealthReportEntry> CheckAsync(
        CachebackRuntime runtime, string name, Action<CachebackHealthCheckOptions>? configure = null, HealthStatus? failureStatus = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(runtime);
        services.AddHealthChecks().AddCacheback(configure, failureStatus);
        // Not disposed with the provider: the test owns the runtime.
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == name);
        return report.Entries[name];
    }

    /// <summary>A queue whose take throws: what a corrupted Redis entry did to the worker's loop.</summary>
    private sealed class BrokenQueue(Exception error) : IRefreshQueue
    {
        public TaskCompletionSource Taken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
        {
            Taken.TrySetResult();
            return ValueTask.FromException<RefreshRequest?>(error);
        }

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
