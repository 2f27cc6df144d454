namespace Cacheback.Tests.Execution;

/// <summary>
/// Issue 10, defect 6: a queued refresh whose claim is no longer the stored one does not call the
/// backend: it ends as <see cref="RefreshResult.SupersededBeforeFetch"/>.
/// </summary>
public class SupersededRefreshTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Theory]
    [InlineData("set")]
    [InlineData("invalidate")]
    [InlineData("delete")]
    [InlineData("another claim")]
    public async Task QueuedRefresh_ClaimSupersededBeforeItRuns_DoesNotFetch(string supersededBy)
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(_ => "refreshed");
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "superseded");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var enqueued = h.NextEnqueue();
        Assert.Equal("old", await cached.GetAsync("k"));
        var request = await enqueued.WaitAsync(Bound);

        switch (supersededBy)
        {
            case "set":
                await cached.SetAsync("k", "newer");
                break;
            case "invalidate":
                await cached.InvalidateAsync("k");
                break;
            case "delete":
                await cached.DeleteAsync("k");
                break;
            default:
                await cached.EnqueueRefreshAsync("k");
                break;
        }

        var result = await h.Runtime.Registry.DispatchAsync(request, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(RefreshResult.SupersededBeforeFetch, result);
        Assert.Equal(0, fetch.Calls);
        if (supersededBy == "set")
            Assert.Equal("newer", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task Worker_ClaimSupersededBySetWhileQueued_ReportsItWithoutFetching()
    {
        // Through the running worker: its takes wait until the set is made.
        var takes = new GatedTakes(new InProcessQueue());
        using var h = new Harness(queue: takes);
        var fetch = new GatedFetch<string>(_ => "refreshed");
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "superseded-worker");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var enqueued = h.NextEnqueue();
        var outcome = h.NextOutcome();
        Assert.Equal("old", await cached.GetAsync("k"));
        await enqueued.WaitAsync(Bound);
        await cached.SetAsync("k", "newer");

        takes.Open.TrySetResult();

        Assert.Equal(RefreshResult.SupersededBeforeFetch, (await outcome.WaitAsync(Bound)).Result);
        Assert.Equal(0, fetch.Calls);
        Assert.Equal("newer", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task QueuedRefresh_ClaimStillStored_FetchesAndStores()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(_ => "refreshed");
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "current");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var enqueued = h.NextEnqueue();
        Assert.Equal("old", await cached.GetAsync("k"));
        var request = await enqueued.WaitAsync(Bound);

        var result = await h.Runtime.Registry.DispatchAsync(request, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(RefreshResult.Succeeded, result);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("refreshed", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task QueuedRefreshOfAnAbsentKey_SetMeanwhile_DoesNotFetch()
    {
        // EnqueueRefresh of an absent key claims "nothing stored" (version 0): a set since supersedes it.
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(_ => "refreshed");
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "absent");
        var enqueued = h.NextEnqueue();
        await cached.EnqueueRefreshAsync("k");
        var request = await enqueued.WaitAsync(Bound);
        Assert.Equal(0L, request.ExpectedVersion);
        await cached.SetAsync("k", "set");

        var result = await h.Runtime.Registry.DispatchAsync(request, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(RefreshResult.SupersededBeforeFetch, result);
        Assert.Equal(0, fetch.Calls);
        Assert.Equal("set", await cached.GetAsync("k"));
    }

    /// <summary>A queue whose takes wait until the test opens it.</summary>
    private sealed class GatedTakes(IRefreshQueue inner) : IRefreshQueue
    {
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
        {
            await Open.Task.WaitAsync(cancellationToken);
            return await inner.TakeAsync(cancellationToken);
        }

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) => inner.EnqueueAsync(request, cancellationToken);

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => inner.CompleteAsync(outcome, cancellationToken);
    }
}
