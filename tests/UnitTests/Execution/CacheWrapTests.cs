namespace Cacheback.Tests.Execution;

public class CacheWrapTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task GetAsync_ThousandCallersOnAColdKey_FetchOnceAndAllGetItsValue()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => $"value-{call}");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "cold");
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var joined = 0;

        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var pending = cached.GetAsync("k");
            // GetAsync has joined the shared fetch by the time it returns: once all have, let it finish.
            if (Interlocked.Increment(ref joined) == 1000)
                fetch.Open();
            return await pending;
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, fetch.Calls);
        Assert.All(results, r => Assert.Equal("value-1", r));
        Assert.Equal(1000, h.Count(CacheEventKind.Miss));
    }

    [Fact]
    public async Task GetAsync_ThousandCallersOnAStaleKey_OneRefreshAndNobodyWaits()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => "new");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "stale");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var outcome = h.NextOutcome();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var read = cached.GetAsync("k");
            // Served without waiting: complete when returned, while the refresh's fetch is still held at its gate.
            Assert.True(read.IsCompletedSuccessfully);
            return read.Result;
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(callers);
        await fetch.Started.Task;

        Assert.All(results, r => Assert.Equal("old", r));
        Assert.Equal(1, h.Enqueued);
        fetch.Open();
        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("new", await cached.GetAsync("k"));
        Assert.Equal(1000, h.Count(CacheEventKind.StaleHit));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task GetAsync_BackgroundFetchThrows_KeepsServingStaleAndRetriesAfterTheRefreshTimeout()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => "new") { Throw = new InvalidOperationException("upstream down") };
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "failing");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));

        var failure = h.NextOutcome();
        Assert.Equal("old", await cached.GetAsync("k"));
        var outcome = await failure;

        Assert.Equal(RefreshResult.Failed, outcome.Result);
        Assert.Equal("upstream down", outcome.Error?.Message);
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.RefreshCompleted && e.Result == RefreshResult.Failed && e.Error is InvalidOperationException);
        Assert.Contains(h.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Exception?.Message == "upstream down");

        // Inside the lease: still the stale value, and no second refresh.
        h.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("old", await cached.GetAsync("k"));
        Assert.Equal(1, h.Enqueued);

        // The first read after the lease triggers again: no limbo.
        h.Time.Advance(TimeSpan.FromSeconds(2));
        fetch.Throw = null;
        var retry = h.NextOutcome();
        Assert.Equal("old", await cached.GetAsync("k"));
        Assert.Equal(RefreshResult.Succeeded, (await retry).Result);
        Assert.Equal(2, h.Enqueued);
        Assert.Equal("new", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_CallerCancels_StopsWaitingWithoutCancellingTheSharedFetch()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => "value");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "cancel");
        using var cts = new CancellationTokenSource();

        var impatient = cached.GetAsync("k", cts.Token).AsTask();
        var patient = cached.GetAsync("k").AsTask();
        await fetch.Started.Task;
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        Assert.False(patient.IsCompleted);
        Assert.False(fetch.LastToken.IsCancellationRequested);
        fetch.Open();
        Assert.Equal("value", await patient);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("value", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task GetAsync_FetchOnMissOff_ReturnsEmptyAtOnceThenTheRefreshedValue()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => "filled");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy.With(fetchOnMiss: false), runtime: h.Runtime, name: "lazy", empty: "(empty)");
        var filled = h.NextOutcome();

        var first = cached.GetAsync("k");
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal("(empty)", await first);
        // Inside the placeholder's lease, reads stay empty and enqueue nothing more.
        Assert.Equal("(empty)", await cached.GetAsync("k"));

        fetch.Open();
        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal(1, h.Enqueued);
        Assert.Equal("filled", await cached.GetAsync("k"));
        Assert.Equal(1, fetch.Calls);
    }

    [Fact]
    public async Task GetAsync_DataOlderThanStaleThreshold_FetchesSynchronously()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => $"v{call}");
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy.With(fetchOnStaleThreshold: TimeSpan.FromSeconds(60)), runtime: h.Runtime, name: "too-stale");
        Assert.Equal("v1", await cached.GetAsync("k"));

        h.Time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("v2", await cached.GetAsync("k"));
        Assert.Equal(0, h.Enqueued);
    }

    [Fact]
    public async Task GetAsync_SynchronousFetchThrows_ReachesTheCallerAndIsReported()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(call => "x") { Throw = new TimeoutException("slow upstream") };
        fetch.Open();
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "sync-fail");

        var e = await Assert.ThrowsAsync<TimeoutException>(() => cached.GetAsync("k").AsTask());

        Assert.Equal("slow upstream", e.Message);
        Assert.Equal(1, h.Count(CacheEventKind.FetchFailed));
    }
}
