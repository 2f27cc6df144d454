namespace Cacheback.Tests.Redis.L1;

/// <summary>Cache.Wrap on two nodes, each with an L1Store over the same Redis.</summary>
[Collection(RedisCollection.Name)]
public class CacheWrapOverL1Tests(RedisServerFixture redis)
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_StaleOnNodeB_ServesStaleRefreshesOnceAndNodeASeesTheRefresh()
    {
        var prefix = RedisServerFixture.Prefix();
        using var a = await L1Node.StartAsync(redis.Server, prefix);
        using var b = await L1Node.StartAsync(redis.Server, prefix);
        using var nodeA = new Harness(store: a.Store);
        using var nodeB = new Harness(store: b.Store);
        // Held until every read has returned, so that the refresh cannot land under them.
        var fetch = new GatedFetch<string>(call => $"k: new (fetch {call})");
        var cachedA = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeA.Runtime, name: "users");
        var cachedB = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeB.Runtime, name: "users");
        var setSeenByB = b.Invalidations("k", 1);
        await cachedA.SetAsync("k", "old");
        // Wait for A's invalidation to reach B: arriving later, it would evict what B just read.
        await setSeenByB;
        Assert.Equal("old", await cachedA.GetAsync("k"));
        Assert.Equal("old", await cachedB.GetAsync("k"));
        Assert.Equal("old", await cachedB.GetAsync("k"));
        Assert.Equal((0, 1), (a.Counting.Reads, b.Counting.Reads));
        nodeA.Time.Advance(TimeSpan.FromSeconds(11));
        nodeB.Time.Advance(TimeSpan.FromSeconds(11));
        // B's claim and B's refresh: two invalidations reach A.
        var claimedAndRefreshed = a.Invalidations("k", 2);
        var landed = nodeB.NextOutcome();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, 20).Select(async _ =>
        {
            await start.Task;
            return await cachedB.GetAsync("k");
        }).ToArray();

        start.SetResult();

        Assert.All(await Task.WhenAll(reads), value => Assert.Equal("old", value));
        fetch.Open();
        Assert.Equal(RefreshResult.Succeeded, (await landed.WaitAsync(Queue.QueueTesting.Bound)).Result);
        await claimedAndRefreshed;
        Assert.Equal(1, nodeB.Enqueued);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("k: new (fetch 1)", await cachedB.GetAsync("k"));
        Assert.Equal("k: new (fetch 1)", await cachedA.GetAsync("k"));
    }

    [Fact]
    public async Task Delete_OnNodeA_MakesNodeBFetchAgain()
    {
        var prefix = RedisServerFixture.Prefix();
        using var a = await L1Node.StartAsync(redis.Server, prefix);
        using var b = await L1Node.StartAsync(redis.Server, prefix);
        using var nodeA = new Harness(store: a.Store);
        using var nodeB = new Harness(store: b.Store);
        var fetches = 0;
        Task<string> Fetch(string key, CancellationToken _) => Task.FromResult($"fetch {Interlocked.Increment(ref fetches)}");
        var cachedA = Cache.Wrap<string, string>(Fetch, Policy, runtime: nodeA.Runtime, name: "users");
        var cachedB = Cache.Wrap<string, string>(Fetch, Policy, runtime: nodeB.Runtime, name: "users");
        Assert.Equal("fetch 1", await cachedB.GetAsync("k"));
        Assert.Equal("fetch 1", await cachedA.GetAsync("k"));
        var deleted = b.NextInvalidation("k");

        await cachedA.DeleteAsync("k");

        await deleted;
        Assert.Equal("fetch 2", await cachedB.GetAsync("k"));
        Assert.Equal("fetch 2", await cachedA.GetAsync("k"));
    }
}
