using Cacheback.Tests.Redis.L1;

namespace Cacheback.Tests.Redis.Tags;

/// <summary>
/// Tagged Cacheback jobs on two nodes (runtimes with their own connections) sharing one Redis: a
/// tag invalidated on one node reaches the other's reads, through its L1 too, with no key scanned.
/// </summary>
[Collection(RedisCollection.Name)]
public class TaggedJobsOverRedisTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Bound = Queue.QueueTesting.Bound;

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromMinutes(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static IEnumerable<string> TagsOf(string args) => ["users", "user:" + args];

    private static CachedFetch<string, string> Tagged(Harness node, GatedFetch<string> fetch) =>
        Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: node.Runtime, name: "users", tags: TagsOf);

    /// <summary>
    /// Gives the tags of key "1" (and the wildcard) a counter in Redis, and waits until every L1 has
    /// heard of it (a node does not hear its own writes): afterwards the only invalidation of a tag key an L1 receives is the test's own
    /// bump (a first read of a tag with no counter writes its zero state, which an L1 would hear of too).
    /// </summary>
    private static async Task WarmTagsAsync(CachebackRuntime runtime, params L1Node[] nodes)
    {
        foreach (var tag in new[] { "*", "users", "user:1" })
        {
            var heard = nodes.Select(n => n.NextInvalidation(tag)).ToArray();
            await runtime.InvalidateByTagAsync(tag);
            await Task.WhenAll(heard);
        }
    }

    [Fact]
    public async Task InvalidateByTag_OnNodeA_NodeBServesStaleAndOneRefreshLands()
    {
        var prefix = RedisServerFixture.Prefix();
        using var nodeA = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false);
        using var other = await redis.Server.ConnectAsync();
        using var nodeB = new Harness(store: new RedisStore(other, prefix), runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var cachedA = Tagged(nodeA, fetch);
        var cachedB = Tagged(nodeB, fetch);
        await cachedA.SetAsync("1", "old 1");
        await cachedA.SetAsync("2", "old 2");
        Assert.Equal("old 1", await cachedB.GetAsync("1"));

        await cachedA.InvalidateByTagAsync("user:1");

        var enqueued = nodeB.NextEnqueue();
        Assert.Equal("old 1", await cachedB.GetAsync("1"));
        Assert.Equal("old 2", await cachedB.GetAsync("2"));
        var request = await enqueued.WaitAsync(Bound);
        Assert.Equal(RefreshResult.Succeeded, await nodeB.Runtime.Registry.DispatchAsync(request, CancellationToken.None).WaitAsync(Bound));
        Assert.Equal("new 1", await cachedA.GetAsync("1"));
        Assert.Equal("new 1", await cachedB.GetAsync("1"));
        Assert.Equal((0, 1), (nodeA.Enqueued, nodeB.Enqueued));
        Assert.Equal(1, fetch.Calls);
    }

    [Fact]
    public async Task RemoveByTag_OnNodeA_ThroughL1s_NodeBFetchesAgain()
    {
        var prefix = RedisServerFixture.Prefix();
        using var a = await L1Node.StartAsync(redis.Server, prefix);
        using var b = await L1Node.StartAsync(redis.Server, prefix);
        using var nodeA = new Harness(store: a.Store, runRefreshes: false);
        using var nodeB = new Harness(store: b.Store, runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var cachedA = Tagged(nodeA, fetch);
        var cachedB = Tagged(nodeB, fetch);
        await WarmTagsAsync(nodeA.Runtime, b);
        var setSeenByB = b.Invalidations("1", 1);
        await cachedA.SetAsync("1", "old");
        await setSeenByB;
        Assert.Equal("old", await cachedB.GetAsync("1"));
        Assert.Equal("old", await cachedB.GetAsync("1"));
        var bumpSeenByB = b.NextInvalidation("users");

        await nodeA.Runtime.RemoveByTagAsync("users");
        await bumpSeenByB;

        Assert.Equal("new 1", await cachedB.GetAsync("1"));
        Assert.Equal("new 1", await cachedB.GetAsync("1"));
        Assert.Equal(1, fetch.Calls);
    }

    [Fact]
    public async Task FetchOnNodeA_RunningWhileNodeBInvalidates_LandsStaleOnBothNodes()
    {
        var prefix = RedisServerFixture.Prefix();
        using var a = await L1Node.StartAsync(redis.Server, prefix);
        using var b = await L1Node.StartAsync(redis.Server, prefix);
        using var nodeA = new Harness(store: a.Store, runRefreshes: false);
        using var nodeB = new Harness(store: b.Store, runRefreshes: false);
        var fetchA = new GatedFetch<string>(call => $"from A {call}");
        var fetchB = new GatedFetch<string>(call => $"from B {call}");
        var cachedA = Tagged(nodeA, fetchA);
        var cachedB = Tagged(nodeB, fetchB);
        await WarmTagsAsync(nodeB.Runtime, a);
        var read = cachedA.GetAsync("1").AsTask();
        // Barrier: A's fetch has started (and so has read the tag counters) before B invalidates.
        await fetchA.Started.Task.WaitAsync(Bound);
        var bumpSeenByA = a.NextInvalidation("users");
        await cachedB.InvalidateByTagAsync("users");
        await bumpSeenByA;
        var landedSeenByB = b.Invalidations("1", 1);

        fetchA.Open();

        Assert.Equal("from A 1", await read.WaitAsync(Bound));
        await landedSeenByB;
        var enqueuedA = nodeA.NextEnqueue();
        var enqueuedB = nodeB.NextEnqueue();
        // Both nodes serve it as stale, and one of them claims its refresh: never a fresh hit.
        Assert.Equal("from A 1", await cachedB.GetAsync("1"));
        Assert.Equal("1", (await enqueuedB.WaitAsync(Bound)).Key);
        Assert.Equal("from A 1", await cachedA.GetAsync("1"));
        Assert.False(enqueuedA.IsCompleted);
        Assert.Equal((0, 1), (nodeA.Enqueued, nodeB.Enqueued));
        Assert.Equal(0, fetchB.Calls);
    }
}
