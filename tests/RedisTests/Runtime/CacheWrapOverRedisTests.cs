using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Tests.Redis.Queue;

namespace Cacheback.Tests.Redis.Runtime;

/// <summary>Cache.Wrap on two "nodes" (runtimes with their own connections) sharing one Redis store and queue.</summary>
[Collection(RedisCollection.Name)]
public class CacheWrapOverRedisTests(RedisServerFixture redis)
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_StaleOnTwoNodes_ExactlyOneRefreshLands()
    {
        var prefix = RedisServerFixture.Prefix();
        using var secondConnection = await redis.Server.ConnectAsync();
        using var queueA = new RedisRefreshQueue(redis.Connection, nameof(Get_StaleOnTwoNodes_ExactlyOneRefreshLands));
        using var queueB = new RedisRefreshQueue(secondConnection, queueA.Name);
        using var nodeA = new Harness(store: new RedisStore(redis.Connection, prefix), queue: queueA);
        using var nodeB = new Harness(store: new RedisStore(secondConnection, prefix), queue: queueB);
        // Held until every read has returned: otherwise a fast refresh may land while reads are
        // still on their way to Redis, and those (rightly) get the new value.
        var fetch = new GatedFetch<string>(call => $"k: new (fetch {call})");
        var cachedA = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeA.Runtime, name: "users");
        var cachedB = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: nodeB.Runtime, name: "users");
        await cachedA.SetAsync("k", "old");
        nodeA.Time.Advance(TimeSpan.FromSeconds(11));
        nodeB.Time.Advance(TimeSpan.FromSeconds(11));
        var landed = nodeA.Runtime.Outcomes.Merge(nodeB.Runtime.Outcomes).FirstAsync().ToTask();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, 40).Select(async i =>
        {
            await start.Task;
            return await (i % 2 == 0 ? cachedA : cachedB).GetAsync("k");
        }).ToArray();

        start.SetResult();

        Assert.All(await Task.WhenAll(reads), value => Assert.Equal("old", value));
        fetch.Open();
        var outcome = await landed.WaitAsync(QueueTesting.Bound);
        Assert.Equal(RefreshResult.Succeeded, outcome.Result);
        Assert.Equal(1, nodeA.Enqueued + nodeB.Enqueued);
        Assert.Equal(1, fetch.Calls);
        Assert.Equal("k: new (fetch 1)", await cachedB.GetAsync("k"));
        Assert.Equal("k: new (fetch 1)", await cachedA.GetAsync("k"));
        // Acknowledged before the outcome was published: nothing left to deliver again.
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queueA.CountsAsync());
    }

    [Fact]
    public async Task Get_StaleWithAFailingRefresh_IsRetriedByTheQueueUntilItLands()
    {
        var prefix = RedisServerFixture.Prefix();
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
