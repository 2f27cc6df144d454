using Cacheback.Tests.Redis.Queue;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Cluster;

/// <summary>RedisRefreshQueue on a three-node cluster: queues whose slots are on each node, and wake-ups crossing nodes.</summary>
[Collection(RedisClusterCollection.Name)]
public class ClusterQueueTests(RedisClusterFixture cluster)
{
    [Fact]
    public async Task EnqueueTakeComplete_QueuesOnEveryNode_KeepEachQueueOnOneNodeAndDeliverInOrder()
    {
        foreach (var (name, node) in await QueuesOnEveryNodeAsync())
        {
            using var queue = new RedisRefreshQueue(cluster.Connection, name);
            await queue.EnqueueAsync(QueueTesting.Request("a"));
            await queue.EnqueueAsync(QueueTesting.Request("b"));
            // The hash tag keeps every key of the queue on the node owning its name's slot.
            Assert.True(await cluster.IsStoredOnAsync(node, $"cacheback:queue:{{{name}}}:pending"), $"{name}'s pending should be on node {node}");
            var first = await queue.TakeNowAsync();

            // One take moved both requests into flight (the second waits in this process).
            foreach (var part in new[] { "inflight", "payloads", "attempts" })
                Assert.True(await cluster.IsStoredOnAsync(node, $"cacheback:queue:{{{name}}}:{part}"), $"{name}'s {part} should be on node {node}");
            Assert.Equal(("a", 1), (first?.Key, first?.Attempt));
            Assert.Equal(new RedisQueueCounts(0, 2, 0), await queue.CountsAsync());
            await queue.CompleteAsync(new RefreshOutcome(first!, RefreshResult.Succeeded, TimeSpan.Zero));
            var second = await queue.TakeNowAsync();
            Assert.Equal("b", second?.Key);
            await queue.CompleteAsync(new RefreshOutcome(second!, RefreshResult.Succeeded, TimeSpan.Zero));
            Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
            Assert.Null(await queue.TakeNowAsync());
        }
    }

    [Fact]
    public async Task Complete_FailingEveryAttempt_IsRetriedThenDeadLetteredWithItsError()
    {
        foreach (var (name, _) in await QueuesOnEveryNodeAsync())
        {
            using var queue = new RedisRefreshQueue(cluster.Connection, name, new RedisQueueOptions { MaxAttempts = 2 });
            await queue.EnqueueAsync(QueueTesting.Request());

            for (var attempt = 1; attempt <= 2; attempt++)
            {
                var taken = await queue.TakeNowAsync();
                Assert.Equal(attempt, taken?.Attempt);
                await queue.CompleteAsync(new RefreshOutcome(taken!, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException($"boom {attempt}")));
            }

            Assert.Null(await queue.TakeNowAsync());
            var dead = Assert.Single(await queue.DeadLettersAsync());
            Assert.Equal(("InvalidOperationException: boom 2", 2, "k"), (dead.Error, dead.Attempts, dead.Request?.Key));
            Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
        }
    }

    [Fact]
    public async Task Take_NotCompletedWithinTheVisibilityTimeout_IsDeliveredAgainThenDeadLettered()
    {
        var name = (await QueuesOnEveryNodeAsync())[2].Name;
        using var queue = new RedisRefreshQueue(cluster.Connection, name, new RedisQueueOptions
        {
            VisibilityTimeout = TimeSpan.FromMilliseconds(200),
            PollInterval = TimeSpan.FromMilliseconds(50),
            MaxAttempts = 2,
        });
        await queue.EnqueueAsync(QueueTesting.Request());
        var first = await queue.TakeNowAsync();
        Assert.NotNull(first);

        // Its worker "died": a take reaps it once its deadline passes, and delivers it again.
        var again = await queue.TakeWithinBoundAsync();

        Assert.Equal(("k", 2), (again.Key, again.Attempt));
        await queue.CompleteAsync(new RefreshOutcome(first, RefreshResult.Succeeded, TimeSpan.Zero));
        Assert.Equal(new RedisQueueCounts(0, 1, 0), await queue.CountsAsync());
        // Its last attempt is never completed either: the next reap dead-letters it, and says so on the wake channel.
        var reaped = await WhenPublishedAsync(queue, "reaped");
        using var stop = new CancellationTokenSource();
        var taker = queue.TakeAsync(stop.Token).AsTask();
        await reaped.WaitAsync(QueueTesting.Bound);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => taker);
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("visibility timeout of 200 ms on attempt 2", dead.Error);
        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Fact]
    public async Task Take_Idle_WakesOnAnotherConnectionsEnqueueWhicheverNodeHoldsTheQueue()
    {
        foreach (var (name, _) in await QueuesOnEveryNodeAsync())
        {
            // The wake-up is published by the script on the queue's node; the taker may be subscribed on another.
            using var queue = new RedisRefreshQueue(cluster.Connection, name, new RedisQueueOptions { PollInterval = TimeSpan.FromSeconds(30) });
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Idle += () => idle.TrySetResult();
            using var stop = new CancellationTokenSource(QueueTesting.Bound);
            var take = queue.TakeAsync(stop.Token).AsTask();
            await idle.Task.WaitAsync(QueueTesting.Bound);

            using var enqueuer = new RedisRefreshQueue(cluster.OtherConnection, name);
            await enqueuer.EnqueueAsync(QueueTesting.Request());

            Assert.Equal("k", (await take.WaitAsync(TimeSpan.FromSeconds(5)))?.Key);
        }
    }

    /// <summary>One queue name per node, named after the calling test: queue i's keys live on node i.</summary>
    private async Task<(string Name, int Node)[]> QueuesOnEveryNodeAsync([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var names = new string?[cluster.Nodes.Count];
        for (var i = 0; names.Contains(null); i++)
        {
            var name = $"{test}-{i}";
            var node = await cluster.NodeOfAsync($"cacheback:queue:{{{name}}}:pending");
            names[node] ??= name;
        }

        return names.Select((name, node) => (name!, node)).ToArray();
    }

    /// <summary>Completes when the queue's wake channel carries <paramref name="message"/>.</summary>
    private async Task<Task> WhenPublishedAsync(RedisRefreshQueue queue, string message)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await cluster.Connection.GetSubscriber().SubscribeAsync(
            new RedisChannel($"cacheback:queue:{{{queue.Name}}}:wake", RedisChannel.PatternMode.Literal),
            (_, value) =>
            {
                if (value == message)
                    seen.TrySetResult();
            });
        return seen.Task;
    }
}
