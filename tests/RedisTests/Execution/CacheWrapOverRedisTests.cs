using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Tests.Redis.Queue;

namespace Cacheback.Tests.Redis.Execution;

/// <summary>Cache.Wrap on two "nodes" (runtimes with their own connections) sharing one Redis store and queue.</summary>
[Collection(RedisTopologyCollection.Name)]
public class CacheWrapOverRedisTests(RedisTopologyFixture topologies)
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    /// <summary>
    /// A job whose refreshes go to Redis is read by workers built from other commits: a generated
    /// name (a lambda's, the compiler's) would not be found there, so it is refused at once, naming the job.
    /// </summary>
    [Fact]
    public async Task Wrap_UnnamedLambdaOnARedisQueue_ThrowsNamingTheJob_AndANamedOneRuns()
    {
        var redis = await topologies.GetAsync(Topology.Single);
        using var queue = new RedisRefreshQueue(redis.Connection, nameof(Wrap_UnnamedLambdaOnARedisQueue_ThrowsNamingTheJob_AndANamedOneRuns));
        using var node = new Harness(store: new RedisStore(redis.Connection, redis.Prefix()), queue: queue, runRefreshes: false);

        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap<string, string>((key, _) => Task.FromResult(key), Policy, runtime: node.Runtime));
        using var named = Cache.Wrap<string, string>((key, _) => Task.FromResult("v:" + key), Policy, runtime: node.Runtime, name: "redis.named");

        Assert.Contains("Job 'Cacheback.Tests.Redis.Execution.CacheWrapOverRedisTests", e.Message, StringComparison.Ordinal);
        Assert.Contains("stable name", e.Message, StringComparison.Ordinal);
        Assert.Equal("v:a", await named.GetAsync("a"));
    }

    /// <summary>On one server, many readers of one key; on the cluster, keys on every node, each read by several.</summary>
    [Theory]
    [InlineData(Topology.Single, 1, 40)]
    [InlineData(Topology.Cluster, 9, 10)]
    public async Task Get_StaleOnTwoNodes_ExactlyOneRefreshPerKeyLands(Topology topology, int keys, int readsPerKey)
    {
        var redis = await topologies.GetAsync(topology);
        var prefix = redis.Prefix();
        using var queueA = new RedisRefreshQueue(redis.Connection, nameof(Get_StaleOnTwoNodes_ExactlyOneRefreshPerKeyLands));
        using var queueB = new RedisRefreshQueue(redis.OtherConnection, queueA.Name);
        using var nodeA = new Harness(store: new RedisStore(redis.Connection, prefix), queue: queueA);
        using var nodeB = new Harness(store: new RedisStore(redis.OtherConnection, prefix), queue: queueB);
        // Held until every read has returned: otherwise a fast refresh may land while reads are
        // still on their way to Redis, and those (rightly) get the new value.
        var fetch = new GatedFetch<string>(call => $"k: new (fetch {call})");
        var cachedA = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeA.Runtime, name: "users");
        var cachedB = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeB.Runtime, name: "users");
        for (var k = 0; k < keys; k++)
            await cachedA.SetAsync($"k{k}", "old");
        Assert.All(redis.KeysPerNode(prefix), count => Assert.True(count > 0, "every node should hold some of the keys"));
        nodeA.Time.Advance(TimeSpan.FromSeconds(11));
        nodeB.Time.Advance(TimeSpan.FromSeconds(11));
        var landed = nodeA.Runtime.Outcomes.Merge(nodeB.Runtime.Outcomes).Take(keys).ToList().ToTask();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, keys * readsPerKey).Select(async i =>
        {
            await start.Task;
            return await (i % 2 == 0 ? cachedA : cachedB).GetAsync($"k{i % keys}");
        }).ToArray();

        start.SetResult();

        Assert.All(await Task.WhenAll(reads), value => Assert.Equal("old", value));
        fetch.Open();
        var outcomes = await landed.WaitAsync(QueueTesting.Bound);
        Assert.All(outcomes, o => Assert.Equal(RefreshResult.Succeeded, o.Result));
        Assert.Equal(keys, outcomes.Select(o => o.Request.Key).Distinct().Count());
        Assert.Equal(keys, nodeA.Enqueued + nodeB.Enqueued);
        Assert.Equal(keys, fetch.Calls);
        var values = new List<string>();
        for (var k = 0; k < keys; k++)
        {
            var value = await cachedB.GetAsync($"k{k}");
            Assert.Equal(value, await cachedA.GetAsync($"k{k}"));
            values.Add(value);
        }

        // Each key holds the one fetch that refreshed it: with one key, "k: new (fetch 1)".
        Assert.Equal(Enumerable.Range(1, keys).Select(call => $"k: new (fetch {call})"), values.Order(StringComparer.Ordinal));
        // Acknowledged before the outcome was published: nothing left to deliver again.
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queueA.CountsAsync());
    }

    [Fact]
    public async Task Get_StaleWithAFailingRefresh_IsRetriedByTheQueueUntilItLands()
    {
        var redis = await topologies.GetAsync(Topology.Single);
        var prefix = redis.Prefix();
        using var queue = new RedisRefreshQueue(redis.Connection, nameof(Get_StaleWithAFailingRefresh_IsRetriedByTheQueueUntilItLands));
        using var node = new Harness(store: new RedisStore(redis.Connection, prefix), queue: queue);
        var calls = 0;
        var cached = Cache.Wrap<string, string>(
            (_, _) => Interlocked.Increment(ref calls) == 1 ? Task.FromException<string>(new InvalidOperationException("backend hiccup")) : Task.FromResult("new"),
            Policy,
            runtime: node.Runtime,
            name: "flaky");
        await cached.SetAsync("k", "old");
        node.Time.Advance(TimeSpan.FromSeconds(11));
        var succeeded = node.Runtime.Outcomes.FirstAsync(o => o.Result == RefreshResult.Succeeded).ToTask();

        Assert.Equal("old", await cached.GetAsync("k"));

        var outcome = await succeeded.WaitAsync(QueueTesting.Bound);
        Assert.Equal(2, outcome.Request.Attempt);
        Assert.Equal("new", await cached.GetAsync("k"));
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
    }
}
