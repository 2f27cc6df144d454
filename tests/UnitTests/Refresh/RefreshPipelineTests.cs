using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace Cacheback.Tests.Refresh;

public class RefreshPipelineTests
{
    private static RefreshRequest Request(string key, string job = "job") =>
        new(job, key, 1, [], DateTimeOffset.UnixEpoch.AddDays(1));

    /// <summary>A scheduler on a test clock nobody moves: no timeout of these tests ever fires on its own.</summary>
    private static TimeProviderScheduler OnVirtualTime() => new(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)));

    /// <summary>A refresh per key that waits until the test releases that key.</summary>
    private sealed class Gates
    {
        public ConcurrentDictionary<string, TaskCompletionSource<RefreshResult>> Running { get; } = new();
        public ConcurrentQueue<CancellationToken> Tokens { get; } = new();
        private TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int StartedCount;

        public Task<RefreshResult> Refresh(RefreshRequest request, CancellationToken cancellationToken)
        {
            var gate = new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Running[request.Key] = gate;
            Tokens.Enqueue(cancellationToken);
            // Count first, then signal whichever gate the waiter set up after reading the count.
            var started = Interlocked.Increment(ref StartedCount);
            Volatile.Read(ref _started).TrySetResult(started);
            return gate.Task.WaitAsync(cancellationToken);
        }

        public async Task WaitForStarted(int count)
        {
            while (Volatile.Read(ref StartedCount) < count)
            {
                var next = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _started, next);
                if (Volatile.Read(ref StartedCount) >= count)
                    break;
                await next.Task;
            }
        }
    }

    [Fact]
    public async Task Run_SameKeyWhileRunning_YieldsDuplicateWithoutRunningIt()
    {
        var gates = new Gates();
        using var requests = new Subject<RefreshRequest>();
        var outcomes = new ConcurrentQueue<RefreshOutcome>();
        using var _ = RefreshPipeline.Run(requests, gates.Refresh, scheduler: OnVirtualTime()).Subscribe(outcomes.Enqueue);

        requests.OnNext(Request("a"));
        await gates.WaitForStarted(1);
        requests.OnNext(Request("a"));

        var duplicate = Assert.Single(outcomes);
        Assert.Equal(RefreshResult.Duplicate, duplicate.Result);
        Assert.Equal(1, gates.StartedCount);
    }

    [Fact]
    public async Task Run_MaxConcurrency_BoundsHowManyRunAtOnce_AndEveryRequestGetsOneOutcome()
    {
        var gates = new Gates();
        using var requests = new Subject<RefreshRequest>();
        var outcomes = new ConcurrentQueue<RefreshOutcome>();
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = RefreshPipeline.Run(requests, gates.Refresh, OnVirtualTime(), new RefreshPipelineOptions { MaxConcurrency = 2 })
            .Subscribe(o =>
            {
                outcomes.Enqueue(o);
                if (outcomes.Count == 5)
                    completed.SetResult();
            });

        foreach (var key in new[] { "a", "b", "c", "d", "e" })
            requests.OnNext(Request(key));
        await gates.WaitForStarted(2);
        Assert.Equal(2, gates.StartedCount);

        gates.Running["a"].SetResult(RefreshResult.Succeeded);
        await gates.WaitForStarted(3);
        Assert.Equal(3, gates.StartedCount);
        foreach (var key in new[] { "b", "c" })
            gates.Running[key].SetResult(RefreshResult.Succeeded);
        await gates.WaitForStarted(5);
        gates.Running["d"].SetResult(RefreshResult.Superseded);
        gates.Running["e"].SetException(new InvalidOperationException("boom"));
        await completed.Task;

        Assert.Equal(["a", "b", "c", "d", "e"], outcomes.Select(o => o.Request.Key).Order());
        Assert.Equal(RefreshResult.Superseded, outcomes.Single(o => o.Request.Key == "d").Result);
        var failed = outcomes.Single(o => o.Request.Key == "e");
        Assert.Equal(RefreshResult.Failed, failed.Result);
        Assert.Equal("boom", failed.Error?.Message);
    }

    [Fact]
    public async Task Run_RefreshOutlastsTheTimeout_IsCancelledAndReportedTimedOut()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var scheduler = new TimeProviderScheduler(time);
        var gates = new Gates();
        using var requests = new Subject<RefreshRequest>();
        var outcome = new TaskCompletionSource<RefreshOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = RefreshPipeline.Run(requests, gates.Refresh, scheduler, new RefreshPipelineOptions { Timeout = TimeSpan.FromSeconds(30) })
            .Subscribe(o => outcome.TrySetResult(o));

        requests.OnNext(Request("slow"));
        await gates.WaitForStarted(1);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(outcome.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var result = await outcome.Task;

        Assert.Equal(RefreshResult.TimedOut, result.Result);
        Assert.Equal(TimeSpan.FromSeconds(30), result.Duration);
        Assert.IsType<TimeoutException>(result.Error);
        Assert.True(Assert.Single(gates.Tokens).IsCancellationRequested);
    }

    [Fact]
    public async Task Run_AfterATimeout_TheKeyCanRunAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var scheduler = new TimeProviderScheduler(time);
        var gates = new Gates();
        using var requests = new Subject<RefreshRequest>();
        var outcomes = new ConcurrentQueue<RefreshOutcome>();
        using var _ = RefreshPipeline.Run(requests, gates.Refresh, scheduler, new RefreshPipelineOptions { Timeout = TimeSpan.FromSeconds(1) })
            .Subscribe(outcomes.Enqueue);

        requests.OnNext(Request("k"));
        await gates.WaitForStarted(1);
        time.Advance(TimeSpan.FromSeconds(1));
        requests.OnNext(Request("k"));
        await gates.WaitForStarted(2);

        Assert.Equal(RefreshResult.TimedOut, Assert.Single(outcomes).Result);
        Assert.Equal(2, gates.StartedCount);
    }

    [Fact]
    public async Task Run_ATimedOutRefresh_HoldsItsSlotUntilItsTaskEnds_ThenGivesItBack()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var deaf = new TaskCompletionSource<RefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<string>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var requests = new Subject<RefreshRequest>();
        var outcomes = new ConcurrentQueue<RefreshOutcome>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = RefreshPipeline.Run(requests, (request, _) =>
            {
                started.Enqueue(request.Key);
                if (request.Key == "deaf")
                {
                    firstStarted.TrySetResult();
                    return deaf.Task; // ignores its token
                }

                second.TrySetResult();
                return Task.FromResult(RefreshResult.Succeeded);
            }, new TimeProviderScheduler(time), new RefreshPipelineOptions { MaxConcurrency = 1, Timeout = TimeSpan.FromSeconds(1) })
            .Subscribe(outcomes.Enqueue);

        requests.OnNext(Request("deaf"));
        await firstStarted.Task;
        requests.OnNext(Request("next"));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(RefreshResult.TimedOut, Assert.Single(outcomes).Result);
        Assert.Equal(["deaf"], started); // its task still runs: the one slot is still its own
        deaf.SetResult(RefreshResult.Succeeded);
        await second.Task;
        Assert.Equal(["deaf", "next"], started);
    }

    [Fact]
    public async Task Run_ATimeoutLongerThanAnyTimerTakes_IsWaitedOut_OnVirtualTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var gates = new Gates();
        using var requests = new Subject<RefreshRequest>();
        var outcome = new TaskCompletionSource<RefreshOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = RefreshPipeline.Run(requests, gates.Refresh, scheduler: new TimeProviderScheduler(time), timeoutFor: _ => TimeSpan.FromDays(60))
            .Subscribe(o => outcome.TrySetResult(o));

        requests.OnNext(Request("k"));
        await Task.WhenAny(gates.WaitForStarted(1), outcome.Task);
        if (outcome.Task.IsCompleted)
            Assert.Fail((await outcome.Task).ToString());
        time.Advance(TimeSpan.FromDays(60) - TimeSpan.FromSeconds(1));
        Assert.False(outcome.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var result = await outcome.Task;
        Assert.Equal(RefreshResult.TimedOut, result.Result);
        Assert.Equal(TimeSpan.FromDays(60), result.Duration);
    }

    [Fact]
    public void Run_InvalidOptions_FailWhenBuilt()
    {
        using var requests = new Subject<RefreshRequest>();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            RefreshPipeline.Run(requests, (_, _) => Task.FromResult(RefreshResult.Succeeded), OnVirtualTime(), new RefreshPipelineOptions { MaxConcurrency = 0 }));
        Assert.Equal("MaxConcurrency", e.ParamName);
    }

    [Fact]
    public async Task Registry_UnknownJob_IsLoggedAndDroppedAsAnOutcome()
    {
        var logs = new ListLoggerFactory();
        var registry = new JobRegistry(logs.CreateLogger("test"));
        using var requests = new Subject<RefreshRequest>();
        var outcome = new TaskCompletionSource<RefreshOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = RefreshPipeline.Run(requests, registry.DispatchAsync, scheduler: OnVirtualTime()).Subscribe(o => outcome.TrySetResult(o));

        requests.OnNext(Request("k", job: "System.IO.File, System.Private.CoreLib"));

        Assert.Equal(RefreshResult.UnknownJob, (await outcome.Task).Result);
        Assert.Contains(logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("unknown job System.IO.File"));
    }

    [Fact]
    public void Registry_DuplicateName_IsRefused()
    {
        var registry = new JobRegistry();
        var handler = new NoopHandler();
        registry.Register("users", handler);

        var e = Assert.Throws<ArgumentException>(() => registry.Register("users", handler));
        Assert.Contains("'users' is already registered", e.Message);
    }

    private sealed class NoopHandler : IRefreshHandler
    {
        public TimeSpan? Timeout => null;

        public Task<RefreshResult> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken) => Task.FromResult(RefreshResult.Succeeded);
    }
}
