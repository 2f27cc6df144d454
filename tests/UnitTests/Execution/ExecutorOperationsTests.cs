namespace Cacheback.Tests.Execution;

public class ExecutorOperationsTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task SetAsync_ThenRawGet_ShowsTheValueAndItsTimes()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "set");

        await cached.SetAsync("k", "manual");
        var raw = await cached.RawGetAsync("k") ?? throw new InvalidOperationException("absent");

        Assert.Equal("manual", raw.Value);
        Assert.Equal(h.Time.GetUtcNow(), raw.FetchedAt);
        Assert.Equal(h.Time.GetUtcNow().AddSeconds(10), raw.FreshUntil);
        Assert.True(raw.LeaseUntil is null);
        Assert.Equal("manual", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task RawGetAsync_HasNoSideEffects_AndIsNullWhenAbsentOrPastTheTtl()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "x");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "raw");

        Assert.Null(await cached.RawGetAsync("k"));
        await cached.SetAsync("k", "v");
        h.Time.Advance(TimeSpan.FromSeconds(20)); // stale: a Get would enqueue
        Assert.NotNull(await cached.RawGetAsync("k"));
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Null(await cached.RawGetAsync("k"));

        Assert.Equal(0, fetch.Calls);
        Assert.Equal(0, h.Enqueued);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheItem_SoTheNextGetFetches()
    {
        using var h = new Harness();
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{++calls}"), Policy, runtime: h.Runtime, name: "delete");
        Assert.Equal("v1", await cached.GetAsync("k"));

        Assert.True(await cached.DeleteAsync("k"));
        Assert.False(await cached.DeleteAsync("k"));
        Assert.Equal("v2", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task InvalidateAsync_ServesTheOldValueAsStaleUntilTheRefreshLands()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "refreshed");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "invalidate");
        await cached.SetAsync("k", "old");
        var refreshed = h.NextOutcome();

        Assert.True(await cached.InvalidateAsync("k"));
        Assert.Equal("old", await cached.GetAsync("k"));

        Assert.Equal(1, h.Count(CacheEventKind.StaleHit));
        Assert.Equal(1, h.Enqueued);
        fetch.Open();
        Assert.Equal(RefreshResult.Succeeded, (await refreshed).Result);
        Assert.Equal("refreshed", await cached.GetAsync("k"));
        Assert.False(await cached.InvalidateAsync("absent"));
    }

    /// <summary>Every way a background refresh starts: it never overwrites a set made while it ran.</summary>
    [Theory]
    [InlineData("stale read")]
    [InlineData("enqueue refresh")] // a review found this one storing unconditionally
    [InlineData("invalidate")]
    public async Task Refresh_NeverOverwritesASetThatHappenedWhileItRan(string trigger)
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "from-refresh");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "newer-wins");
        await cached.SetAsync("k", "old");
        var outcome = h.NextOutcome();
        switch (trigger)
        {
            case "stale read":
                h.Time.Advance(TimeSpan.FromSeconds(11));
                Assert.Equal("old", await cached.GetAsync("k"));
                break;
            case "enqueue refresh":
                await cached.EnqueueRefreshAsync("k");
                break;
            default:
                await cached.InvalidateAsync("k");
                break;
        }

        await fetch.Started.Task;

        await cached.SetAsync("k", "newer");
        fetch.Open();

        Assert.Equal(RefreshResult.Superseded, (await outcome).Result);
        Assert.Equal("newer", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task Refresh_NeverResurrectsAnItemDeletedWhileItRan()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "from-refresh");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "delete-wins");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var outcome = h.NextOutcome();
        await cached.GetAsync("k");
        await fetch.Started.Task;

        await cached.DeleteAsync("k");
        fetch.Open();

        Assert.Equal(RefreshResult.Superseded, (await outcome).Result);
        Assert.Null(await cached.RawGetAsync("k"));
    }

    [Fact]
    public async Task RefreshAsync_FetchesAndStoresNow()
    {
        using var h = new Harness();
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{++calls}"), Policy, runtime: h.Runtime, name: "refresh");
        await cached.SetAsync("k", "old");

        Assert.Equal("v1", await cached.RefreshAsync("k"));
        Assert.Equal("v1", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task EnqueueRefreshAsync_RunsInTheBackground()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("bg"), Policy, runtime: h.Runtime, name: "enqueue");
        var outcome = h.NextOutcome();

        await cached.EnqueueRefreshAsync("k");

        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
        Assert.Equal("bg", await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Writes_TellTheStoreToKeepTheCacheTtl()
    {
        var recording = new RecordingStore(new MemoryStore());
        using var h = new Harness(store: recording);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy, runtime: h.Runtime, name: "ttl");

        await cached.GetAsync("miss");
        await cached.SetAsync("set", "v");
        await cached.RefreshAsync("refresh");

        Assert.Equal(3, recording.Ttls.Count);
        Assert.All(recording.Ttls, ttl => Assert.Equal(Policy.CacheTtl, ttl));
    }

    [Fact]
    public void Wrap_SameFetchTwiceWithoutAName_GetsDistinctNames()
    {
        using var h = new Harness();
        Func<string, CancellationToken, Task<string>> fetch = (_, _) => Task.FromResult("v");

        var first = Cache.Wrap(fetch, runtime: h.Runtime);
        var second = Cache.Wrap(fetch, runtime: h.Runtime);

        Assert.NotEqual(first.Name, second.Name);
        Assert.EndsWith("#2", second.Name);
    }

    [Fact]
    public async Task AsFunc_IsTheCachedFetchAsADelegate()
    {
        using var h = new Harness();
        var calls = 0;
        var cached = Cache.Wrap<int, string>((id, _) => Task.FromResult($"user {id} ({++calls})"), Policy, runtime: h.Runtime, name: "func");
        Func<int, CancellationToken, ValueTask<string>> get = cached;

        Assert.Equal("user 7 (1)", await get(7, default));
        Assert.Equal("user 7 (1)", await get(7, default));
        Assert.Equal("7", cached.KeyOf(7));
    }
}
