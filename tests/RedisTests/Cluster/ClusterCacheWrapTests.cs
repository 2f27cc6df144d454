using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Tests.Redis.Queue;

namespace Cacheback.Tests.Redis.Cluster;

/// <summary>Cache.Wrap on two "nodes" (runtimes with their own cluster connections) sharing the cluster's store and queue.</summary>
[Collection(RedisClusterCollection.Name)]
public class ClusterCacheWrapTests(RedisClusterFixture cluster)
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_StaleOnTwoNodes_ExactlyOneRefreshPerKeyLands()
    {
        var prefix = RedisClusterFixture.Prefix();
        const int keys = 9;
        using var queueA = new RedisRefreshQueue(cluster.Connection, nameof(Get_StaleOnTwoNodes_ExactlyOneRefreshPerKeyLands));
        using var queueB = new RedisRefreshQueue(cluster.OtherConnection, queueA.Name);
        using var nodeA = new Harness(store: new RedisStore(cluster.Connection, prefix), queue: queueA);
        using var nodeB = new Harness(store: new RedisStore(cluster.OtherConnection, prefix), queue: queueB);
        // Held until every read has returned, so that no refresh lands under a read still on its way.
        var fetch = new GatedFetch<string>(call => $"new (fetch {call})");
        var cachedA = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeA.Runtime, name: "users");
        var cachedB = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeB.Runtime, name: "users");
        for (var k = 0; k < keys; k++)
            await cachedA.SetAsync($"k{k}", "old");
        Assert.All(cluster.KeysPerNode(prefix), count => Assert.True(count > 0, "every node should hold some of the keys"));
        nodeA.Time.Advance(TimeSpan.FromSeconds(11));
        nodeB.Time.Advance(TimeSpan.FromSeconds(11));
        var landed = nodeA.Runtime.Outcomes.Merge(nodeB.Runtime.Outcomes).Take(keys).ToList().ToTask();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, keys * 10).Select(async i =>
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
        for (var k = 0; k < keys; k++)
        {
            Assert.StartsWith("new", await cachedA.GetAsync($"k{k}"));
            Assert.StartsWith("new", await cachedB.GetAsync($"k{k}"));
        }

        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queueA.CountsAsync());
    }
}
