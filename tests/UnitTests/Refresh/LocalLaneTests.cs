using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace Cacheback.Tests.Refresh;

/// <summary>
/// Issue 9, point 4: a refresh that must run in this process (its queue refused it) goes through
/// the runtime's refresh pipeline, in its local lane: bounded by MaxConcurrency with the rest, run
/// even where the worker does not drain the queues, timed out by the pipeline on the runtime's
/// clock, and reported once on the runtime's outcomes and metrics.
/// </summary>
public class LocalLaneTests
{
    // A guard against a hang when the behaviour under test is broken; a passing test never waits on it.
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task FallbackRefreshes_QueueRefuses_AreBoundedByMaxConcurrency()
    {
        using var h = new Harness(queue: new RefusingQueue(), refresh: new RefreshPipelineOptions { MaxConcurrency = 2 });
        var fetch = new BlockingFetch();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "lane-bound");
        foreach (var key in new[] { "a", "b", "c" })
            await cached.SetAsync(key, "old");

        var refreshes = new[] { "a", "b", "c" }.Select(key => cached.EnqueueRefreshAsync(key)).ToArray();
        await fetch.Reach(2).WaitAsync(Watchdog);

        // Two run; the third waits in the lane for a slot.
        Assert.Equal(2, fetch.Running);
        Assert.Equal(1, h.Runtime.Lane.Count);
        fetch.Open();
        await Task.WhenAll(refreshes).WaitAsync(Watchdog);

        Assert.Equal(3, fetch.Calls);
        Assert.Equal(2, fetch.MostAtOnce);
        foreach (var key in new[] { "a", "b", "c" })
            Assert.Equal("new", await cached.GetAsync(key));
    }

    [Fact]
    public async Task FallbackRefresh_RuntimeWithoutTheWorker_RunsThroughThePipeline()
    {
        using var h = new Harness(queue: new RefusingQueue(), runRefreshes: false);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("new"), Policy, runtime: h.Runtime, name: "lane-no-worker");
        await cached.SetAsync("k", "old");
        var outcome = h.NextOutcome();

        await cached.InvalidateAsync("k").WaitAsync(Watchdog);

        Assert.False(h.Runtime.Worker.IsRunning);
        var refreshed = await outcome.WaitAsync(Watchdog);
        Assert.Equal(("lane-no-worker", "k", RefreshResult.Succeeded), (refreshed.Request.Job, refreshed.Request.Key, refreshed.Result));
        Assert.Equal("new", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task FallbackRefresh_FetchOutlivesTheRefreshTimeout_TimesOutInThePipeline_CountedOnce()
    {
        const string job = "lane-timeout";
        using var meters = new JobMeasurements(job);
        using var h = new Harness(queue: new RefusingQueue());
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cached = Cache.Wrap<string, string>((_, token) =>
        {
            started.TrySetResult(token);
            // A fetch that answers only once it is cancelled (then, late, with a value): no timer of its own.
            var answered = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            token.Register(() => answered.TrySetResult("late"));
            return answered.Task;
        }, Policy, runtime: h.Runtime, name: job);
        await cached.SetAsync("k", "old");
        var outcome = h.NextOutcome();

        var invalidate = cached.InvalidateAsync("k");
        var token = await started.Task.WaitAsync(Watchdog);
        h.Time.Advance(Policy.RefreshTimeout);

        var timedOut = await outcome.WaitAsync(Watchdog);
        Assert.Equal(RefreshResult.TimedOut, timedOut.Result);
        Assert.IsType<TimeoutException>(timedOut.Error);
        Assert.True(await invalidate.WaitAsync(Watchdog));
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(1, meters.Count("cacheback.refreshes.started"));
        Assert.Equal(1, meters.Count("cacheback.refreshes.failed"));
        Assert.Equal(0, meters.Count("cacheback.refreshes.succeeded"));
        Assert.Single(h.Events, e => e.Kind == CacheEventKind.RefreshCompleted);
    }

    [Fact]
    public async Task FallbackRefresh_Succeeded_IsCountedOnce()
    {
        const string job = "lane-counted";
        using var meters = new JobMeasurements(job);
        using var h = new Harness(queue: new RefusingQueue());
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("new"), Policy, runtime: h.Runtime, name: job);
        await cached.SetAsync("k", "old");
        var outcome = h.NextOutcome();

        await cached.EnqueueRefreshAsync("k").WaitAsync(Watchdog);

        Assert.Equal(RefreshResult.Succeeded, (await outcome.WaitAsync(Watchdog)).Result);
        Assert.Equal(1, meters.Count("cacheback.refreshes.started"));
        Assert.Equal(1, meters.Count("cacheback.refreshes.succeeded"));
        Assert.Equal(0, meters.Count("cacheback.refreshes.failed"));
        Assert.Single(h.Events, e => e.Kind == CacheEventKind.RefreshCompleted);
    }

    [Fact]
    public async Task StopAsync_DrainsTheLane_AndAFullOrStoppedLaneRefusesAndLogs()
    {
        using var h = new Harness(queue: new RefusingQueue());
        var fetch = new BlockingFetch();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "lane-stop");
        await cached.SetAsync("k", "old");
        await cached.SetAsync("late", "old");
        var running = cached.EnqueueRefreshAsync("k");
        await fetch.Reach(1).WaitAsync(Watchdog);

        var stopping = h.Runtime.Worker.StopAsync(TimeSpan.FromSeconds(5));
        // Stopped taking: a refresh asked for now is refused, logged, and dropped; its caller is not held.
        await cached.EnqueueRefreshAsync("late").WaitAsync(Watchdog);
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("'late': the fallback refresh failed too"));
        fetch.Open();
        var report = await stopping.WaitAsync(Watchdog);

        await running.WaitAsync(Watchdog);
        Assert.True(report.IsClean);
        Assert.Equal(1, report.Completed);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("new", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task StartLocalLane_AfterAStop_RunsFallbackRefreshesAgain_WithoutTheQueues()
    {
        // A web node whose queues are drained elsewhere, after its host stopped and started again.
        using var h = new Harness(queue: new RefusingQueue(), runRefreshes: false);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("new"), Policy, runtime: h.Runtime, name: "lane-restart");
        await cached.SetAsync("k", "old");
        await h.Runtime.Worker.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(Watchdog);

        h.Runtime.Worker.StartLocalLane();
        var outcome = h.NextOutcome();
        await cached.InvalidateAsync("k").WaitAsync(Watchdog);

        Assert.Equal(RefreshResult.Succeeded, (await outcome.WaitAsync(Watchdog)).Result);
        Assert.False(h.Runtime.Worker.IsRunning);
        Assert.Equal("new", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task FallbackRefresh_ArgumentsTheSerializerRefuses_StillRunHere_WithTheArgumentsThemselves()
    {
        // Before, the serializer's exception escaped InvalidateAsync (and, behind a read's claim, left
        // the key under its lease with no refresh).
        using var h = new Harness(queue: new RefusingQueue());
        var cached = Cache.Wrap<string, string>((args, _) => Task.FromResult($"new {args}"), Policy, runtime: h.Runtime, name: "lane-unserializable",
            argumentSerializer: new RefusingSerializer());
        await cached.SetAsync("k", "old");
        var outcome = h.NextOutcome();

        await cached.InvalidateAsync("k").WaitAsync(Watchdog);

        Assert.Equal(RefreshResult.Succeeded, (await outcome.WaitAsync(Watchdog)).Result);
        Assert.Equal("new k", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task ARefreshTakenFromTheLane_WithNoOutcomeWhenItsWorkerStops_LetsItsCallerGo()
    {
        // A take that lands as the loop stops is in neither the lane nor the running record: its
        // caller must still learn that it will not end, not wait forever.
        var lane = new LocalLane();
        var running = lane.TryRun(new RefreshRequest("job", "k", 1, [], DateTimeOffset.UnixEpoch), _ => Task.FromResult(RefreshResult.Succeeded), TimeSpan.FromSeconds(1));
        Assert.NotNull(running);
        Assert.NotNull(await lane.TakeAsync(CancellationToken.None));

        Assert.Equal(0, lane.Stopped("the refresh worker stopped before it ran"));

        var outcome = await running.WaitAsync(Watchdog);
        Assert.Equal(RefreshResult.Failed, outcome.Result);
        Assert.Contains("stopped before it ran", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.Null(lane.TryRun(new RefreshRequest("job", "k2", 1, [], DateTimeOffset.UnixEpoch), _ => Task.FromResult(RefreshResult.Succeeded), TimeSpan.FromSeconds(1)));

        // A new start takes refreshes again, with a stop of its own.
        lane.Accept();
        var next = lane.TryRun(new RefreshRequest("job", "k3", 1, [], DateTimeOffset.UnixEpoch), _ => Task.FromResult(RefreshResult.Succeeded), TimeSpan.FromSeconds(1));
        Assert.NotNull(next);
        Assert.False(next.IsCompleted);
    }

    /// <summary>An argument serializer that refuses every value.</summary>
    private sealed class RefusingSerializer : IPayloadSerializer<string>
    {
        public byte[] Serialize(string value) => throw new NotSupportedException("not serializable");

        public string Deserialize(ReadOnlySpan<byte> bytes) => throw new NotSupportedException("not serializable");
    }

    /// <summary>A queue that refuses every request, as a queue that is down does.</summary>
    private sealed class RefusingQueue : IRefreshQueue
    {
        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new RefreshQueueUnavailableException("queue unreachable"));

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    /// <summary>A fetch that blocks until the test opens it, counting how many run at once.</summary>
    private sealed class BlockingFetch
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _gate = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
        private int _calls;
        private int _running;

        public int Calls => Volatile.Read(ref _calls);

        public int Running => Volatile.Read(ref _running);

        public int MostAtOnce { get; private set; }

        public async Task<string> Fetch(string args, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _calls++;
                _running++;
                MostAtOnce = Math.Max(MostAtOnce, _running);
                foreach (var (count, reached) in _waiting)
                {
                    if (_calls >= count)
                        reached.TrySetResult();
                }
            }

            try
            {
                await _open.Task.WaitAsync(cancellationToken);
                return "new";
            }
            finally
            {
                lock (_gate)
                    _running--;
            }
        }

        /// <summary>Completes once <paramref name="count"/> fetches have started.</summary>
        public Task Reach(int count)
        {
            lock (_gate)
            {
                if (_calls >= count)
                    return Task.CompletedTask;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((count, reached));
                return reached.Task;
            }
        }

        public void Open() => _open.TrySetResult();
    }

    /// <summary>The Cacheback meter's counts for one job.</summary>
    private sealed class JobMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, long Value)> _measurements = new();

        public JobMeasurements(string job)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Cacheback")
                    l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "cacheback.job" } && Equals(tag.Value, job))
                        _measurements.Enqueue((instrument.Name, value));
                }
            });
            _listener.Start();
        }

        public long Count(string instrument) => _measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }
}
