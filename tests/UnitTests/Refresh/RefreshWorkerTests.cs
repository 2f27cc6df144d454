using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cacheback.Tests.Refresh;

/// <summary>The worker around the pipeline: it keeps going whatever one request or one take throws, and never loses a slot.</summary>
public class RefreshWorkerTests
{
    // A guard against a hang when the behaviour under test is broken; a passing test never waits on it.
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(30);

    private ListLoggerFactory Logs { get; } = new();

    private FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static RefreshRequest Request(string key, string job = "job") =>
        new(job, key, 1, [], DateTimeOffset.UnixEpoch.AddDays(1));

    private RefreshWorker Worker(
        IRefreshQueue queue,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> dispatch,
        int maxConcurrency = 16,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null,
        TimeProvider? time = null) =>
        new([queue], dispatch, new RefreshPipelineOptions { MaxConcurrency = maxConcurrency }, new TimeProviderScheduler(time ?? Time),
            (_, _) => Task.CompletedTask, Logs.CreateLogger("Cacheback.Refresh"), timeoutFor);

    /// <summary>Refreshes that wait, per key, until the test releases them (or their token is cancelled).</summary>
    private sealed class Gates
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<RefreshResult>> _gates = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
        private int _running;
        private int _mostAtOnce;

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public Task Started(string key) => _started.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void Release(string key) => _gates.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(RefreshResult.Succeeded);

        public async Task<RefreshResult> Refresh(RefreshRequest request, CancellationToken cancellationToken)
        {
            var running = Interlocked.Increment(ref _running);
            for (var most = MostAtOnce; running > most; most = MostAtOnce)
                Interlocked.CompareExchange(ref _mostAtOnce, running, most);
            try
            {
                _started.GetOrAdd(request.Key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                return await _gates.GetOrAdd(request.Key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private static Task<IList<RefreshOutcome>> Outcomes(RefreshWorker worker, int count) =>
        worker.Outcomes.Take(count).ToList().ToTask().WaitAsync(Watchdog);

    [Fact]
    public async Task TimeoutsThatFireBeforeRefreshesStart_NeverReduceTheConcurrency()
    {
        var queue = new InProcessQueue();
        var gates = new Gates();
        using var worker = Worker(queue, gates.Refresh, maxConcurrency: 4,
            timeoutFor: r => r.Job == "doomed" ? TimeSpan.Zero : null);
        var timedOut = Outcomes(worker, 14);
        worker.Start();

        for (var i = 0; i < 14; i++)
            await queue.EnqueueAsync(Request($"d{i}", job: "doomed"));
        Assert.All(await timedOut, o => Assert.Equal(RefreshResult.TimedOut, o.Result));

        var live = Outcomes(worker, 4);
        for (var i = 0; i < 4; i++)
            await queue.EnqueueAsync(Request($"k{i}", job: "live"));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => gates.Started($"k{i}"))).WaitAsync(Watchdog); // all four at once
        for (var i = 0; i < 4; i++)
            gates.Release($"k{i}");

        Assert.All(await live, o => Assert.Equal(RefreshResult.Succeeded, o.Result));
        Assert.True(worker.IsRunning);
    }

    [Fact]
    public async Task ARequestWhoseTimeoutNoTimerTakes_IsThatRequestsOutcome_AndTheOthersStillRun()
    {
        var queue = new InProcessQueue();
        using var worker = Worker(queue, (_, _) => Task.FromResult(RefreshResult.Succeeded),
            timeoutFor: r => r.Job == "long" ? TimeSpan.FromDays(60) : null);
        var outcomes = Outcomes(worker, 2);
        worker.Start();

        await queue.EnqueueAsync(Request("a", job: "long"));
        await queue.EnqueueAsync(Request("b", job: "other"));

        Assert.All(await outcomes, o => Assert.Equal(RefreshResult.Succeeded, o.Result));
        Assert.True(worker.IsRunning);
    }

    [Fact]
    public async Task ADispatchThatThrowsBeforeItsTask_IsThatRequestsFailure_AndTheOthersStillRun()
    {
        var queue = new InProcessQueue();
        using var worker = Worker(queue, (r, _) => r.Job == "bad" ? throw new InvalidOperationException("bad dispatch") : Task.FromResult(RefreshResult.Succeeded));
        var outcomes = Outcomes(worker, 2);
        worker.Start();

        await queue.EnqueueAsync(Request("a", job: "bad"));
        await queue.EnqueueAsync(Request("b", job: "good"));

        var all = await outcomes;
        Assert.Equal(RefreshResult.Failed, all.Single(o => o.Request.Job == "bad").Result);
        Assert.Equal("bad dispatch", all.Single(o => o.Request.Job == "bad").Error?.Message);
        Assert.Equal(RefreshResult.Succeeded, all.Single(o => o.Request.Job == "good").Result);
        Assert.True(worker.IsRunning);
    }

    [Fact]
    public async Task ATakeThatThrows_IsLoggedAndTriedAgainAfterABackoff_OnTheTimeProvider()
    {
        var inner = new InProcessQueue();
        var queue = new FlakyQueue(inner, failures: 2);
        var time = new TimersOf(Time);
        using var worker = Worker(queue, (_, _) => Task.FromResult(RefreshResult.Succeeded), time: time);
        var outcome = Outcomes(worker, 1);
        await inner.EnqueueAsync(Request("a"));
        var firstBackoff = time.NextTimer();
        worker.Start();

        Assert.Equal(QueueTakes.Backoff(0), await firstBackoff.WaitAsync(Watchdog));
        Assert.True(worker.IsRunning);
        Assert.Same(queue.Error, worker.TakeFailure);
        Assert.Equal(1, queue.Takes);
        var secondBackoff = time.NextTimer();
        Time.Advance(QueueTakes.Backoff(0));
        Assert.Equal(QueueTakes.Backoff(1), await secondBackoff.WaitAsync(Watchdog)); // doubled
        Assert.Equal(2, queue.Takes);
        Time.Advance(QueueTakes.Backoff(1) - TimeSpan.FromTicks(1));
        Assert.Equal(2, queue.Takes);
        Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(RefreshResult.Succeeded, Assert.Single(await outcome).Result);
        Assert.True(worker.IsRunning);
        Assert.Null(worker.TakeFailure);
        Assert.Equal(2, Logs.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("Taking from the refresh queue failed") && e.Exception == queue.Error));
    }

    [Fact]
    public async Task StopAsync_WaitsForTheRunningRefreshes_OnTheTimeProvider_ThenAbandonsThem()
    {
        var queue = new InProcessQueue();
        var gates = new Gates();
        var time = new TimersOf(Time);
        using var worker = Worker(queue, gates.Refresh, time: time);
        worker.Start();
        await queue.EnqueueAsync(Request("slow"));
        await gates.Started("slow").WaitAsync(Watchdog);
        Assert.Equal(1, worker.InFlight);

        var drainWait = time.NextTimer();
        var stopping = worker.StopAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), await drainWait.WaitAsync(Watchdog));
        Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(stopping.IsCompleted);
        Assert.False(worker.IsRunning);
        Time.Advance(TimeSpan.FromTicks(1));

        var report = await stopping.WaitAsync(Watchdog);
        Assert.Equal("slow", Assert.Single(report.Abandoned).Key);
        Assert.Equal(0, report.Completed);
    }

    [Fact]
    public async Task DisposeDuringStopAsync_DoesNotDeadlock()
    {
        // What a host does: StopAsync from the caller's thread while RunAsync's end disposes the
        // services (the runtime and its worker) on another. The stop's cancellation completed the
        // pipeline inside its callback and waited there for the abandon callback to end; the abandon
        // callback, run by Dispose, waited for the stop's callback to end (a hang seen in CI, in
        // WebTests). The window is narrow: a barrier lines the two up, many times over.
        for (var i = 0; i < 2000; i++)
        {
            var worker = Worker(new InProcessQueue(), (_, _) => Task.FromResult(RefreshResult.Succeeded));
            worker.Start();
            using var together = new Barrier(2);
            var stopping = Task.Run(() =>
            {
                together.SignalAndWait(Watchdog);
                return worker.StopAsync(TimeSpan.FromSeconds(5));
            });
            var disposing = Task.Run(() =>
            {
                together.SignalAndWait(Watchdog);
                worker.Dispose();
            });

            await Task.WhenAll(stopping, disposing).WaitAsync(Watchdog);
        }
    }

    /// <summary>A queue whose first takes throw (what a corrupted Redis entry did), then works.</summary>
    private sealed class FlakyQueue(IRefreshQueue inner, int failures) : IRefreshQueue
    {
        private int _takes;

        public InvalidCastException Error { get; } = new("attempts is not a number");

        public int Takes => Volatile.Read(ref _takes);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) => inner.EnqueueAsync(request, cancellationToken);

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _takes) <= failures ? ValueTask.FromException<RefreshRequest?>(Error) : inner.TakeAsync(cancellationToken);

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => inner.CompleteAsync(outcome, cancellationToken);
    }

    /// <summary>A test clock that tells when a timer is made on it, and for how long: so a test advances only once the wait is set.</summary>
    private sealed class TimersOf(FakeTimeProvider time) : TimeProvider
    {
        private TaskCompletionSource<TimeSpan> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

        public override long TimestampFrequency => time.TimestampFrequency;

        /// <summary>The due time of the next timer made; call before what makes it.</summary>
        public Task<TimeSpan> NextTimer()
        {
            var next = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _next, next);
            return next.Task;
        }

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override long GetTimestamp() => time.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = time.CreateTimer(callback, state, dueTime, period);
            Volatile.Read(ref _next).TrySetResult(dueTime);
            return timer;
        }
    }
}
