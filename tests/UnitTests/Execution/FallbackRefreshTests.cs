namespace Cacheback.Tests.Execution;

/// <summary>
/// Issue 10, defect 5: the refresh made here when the queue refuses is bounded by the job's
/// refresh timeout, stops holding its caller when the caller cancels, and runs once per key.
/// </summary>
public class FallbackRefreshTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task InvalidateAsync_QueueDown_CallerCancels_StopsWaitingWithoutCancellingTheFetch()
    {
        using var h = new Harness(queue: new RefusingQueue());
        var fetch = new GatedFetch<string>(_ => "new");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "fallback-cancel");
        await cached.SetAsync("k", "old");
        var landed = Completed(h);
        using var cancel = new CancellationTokenSource();

        var invalidate = cached.InvalidateAsync("k", cancel.Token);
        await fetch.Started.Task.WaitAsync(Bound);
        await cancel.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invalidate.WaitAsync(Bound));
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.False(fetch.LastToken.IsCancellationRequested);
        // The refresh carries on without its caller, and lands.
        fetch.Open();
        Assert.Equal(RefreshResult.Succeeded, (await landed.WaitAsync(Bound)).Result);
        Assert.Equal("new", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task InvalidateAsync_QueueDownAndTheFetchNeverReturns_GivesUpAtTheRefreshTimeout()
    {
        using var h = new Harness(queue: new RefusingQueue());
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<string>();
        // A fetch that ignores its token: only the wait's own bound can end it.
        var cached = Cache.Wrap<string, string>((_, token) =>
        {
            started.TrySetResult(token);
            return never.Task;
        }, Policy, runtime: h.Runtime, name: "fallback-hangs");
        await cached.SetAsync("k", "old");
        var landed = Completed(h);

        var invalidate = cached.InvalidateAsync("k");
        var token = await started.Task.WaitAsync(Bound);
        h.Time.Advance(Policy.RefreshTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(invalidate.IsCompleted);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(await invalidate.WaitAsync(Bound));
        Assert.True(token.IsCancellationRequested);
        var outcome = await landed.WaitAsync(Bound);
        Assert.Equal(RefreshResult.TimedOut, outcome.Result);
        Assert.IsType<TimeoutException>(outcome.Error);
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("fallback refresh failed too"));
        Assert.Equal("old", await cached.GetAsync("k"));
    }

    /// <summary>
    /// The fallback runs in the refresh pipeline (issue 9, point 4), whose dedupe is per claim: a
    /// refresh asked for while one of the same key runs is a newer claim, and runs; the older one's
    /// write is then superseded, so the newest claim's value lands. (Before, the fallback joined the
    /// running refresh of the key, whose write was superseded by the newer claim: nothing landed.)
    /// </summary>
    [Fact]
    public async Task EnqueueRefreshAsync_QueueDown_OneFallbackFetchPerClaimAtATime_AndTheNewestClaimLands()
    {
        using var h = new Harness(queue: new RefusingQueue());
        var fetch = new GatedFetch<string>(n => $"v{n}");
        var started = new StartedCalls();
        var cached = Cache.Wrap<string, string>((args, token) => started.Counted(fetch.Fetch(args, token)), Policy, runtime: h.Runtime, name: "fallback-single");
        await cached.SetAsync("k", "old");
        await cached.SetAsync("other", "old");

        var first = cached.EnqueueRefreshAsync("k");
        await started.Reach(1).WaitAsync(Bound);
        // While it runs, stale reads of the key find its lease: no second claim, no second fetch.
        h.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("old", await cached.GetAsync("k"));
        Assert.Equal("old", await cached.GetAsync("k"));
        Assert.Equal(1, fetch.Calls);
        // Another key has its own.
        var other = cached.EnqueueRefreshAsync("other");
        await started.Reach(2).WaitAsync(Bound);
        Assert.Equal(2, fetch.Calls);
        // A newer claim of the key runs beside the first.
        var second = cached.EnqueueRefreshAsync("k");
        await started.Reach(3).WaitAsync(Bound);
        fetch.Open();
        await Task.WhenAll(first, second, other).WaitAsync(Bound);

        Assert.Equal(3, fetch.Calls);
        Assert.Equal("v3", await cached.GetAsync("k"));
        // Once it ended, the key may be refreshed here again.
        await cached.EnqueueRefreshAsync("k").WaitAsync(Bound);
        Assert.Equal(4, fetch.Calls);
    }

    /// <summary>Counts fetches as they start, and lets a test wait until so many have.</summary>
    private sealed class StartedCalls
    {
        private readonly object _gate = new();
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiting = [];
        private int _count;

        public Task<T> Counted<T>(Task<T> fetch)
        {
            lock (_gate)
            {
                _count++;
                foreach (var (count, reached) in _waiting)
                {
                    if (_count >= count)
                        reached.TrySetResult();
                }
            }

            return fetch;
        }

        public Task Reach(int count)
        {
            lock (_gate)
            {
                if (_count >= count)
                    return Task.CompletedTask;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((count, reached));
                return reached.Task;
            }
        }
    }

    /// <summary>The next fallback refresh's completion event.</summary>
    private static Task<CacheEvent> Completed(Harness h)
    {
        var done = new TaskCompletionSource<CacheEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = h.Runtime.Events.Subscribe(e =>
        {
            if (e.Kind == CacheEventKind.RefreshCompleted)
                done.TrySetResult(e);
        });
        _ = done.Task.ContinueWith(_ => subscription.Dispose(), TaskScheduler.Default);
        return done.Task;
    }

    /// <summary>A queue that refuses every request, as a queue that is down does.</summary>
    private sealed class RefusingQueue : IRefreshQueue
    {
        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new RefreshQueueUnavailableException("queue unreachable"));

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
