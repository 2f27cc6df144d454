using System.Net;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.L1;

/// <summary>
/// Each test kills and restarts a redis-server of its own, or nodes of a cluster of its own (the
/// shared fixtures' servers stay up).
/// </summary>
public class L1ConnectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ConnectionFailedAndRestored_ClearsMemoryAndUsesItAgainOnceBack()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            using var node = await L1Node.StartAsync(server, "app:");
            var users = node.Partition();
            await users.WriteAsync("k", Envelope.Fresh(1, "v", T0, T0.AddMinutes(10)), TimeSpan.FromMinutes(1));
            Assert.Equal(1, ((L1Partition<string>)users).Count);
            var failed = Event(node.Connection, restored: false, ConnectionType.Interactive);
            var restored = Task.WhenAll(
                Event(node.Connection, restored: true, ConnectionType.Interactive),
                Event(node.Connection, restored: true, ConnectionType.Subscription));

            server.Kill();
            await failed;

            Assert.False(node.Store.IsActive);
            Assert.Equal(0, ((L1Partition<string>)users).Count);
            var port = server.Port;
            server.Dispose();
            server = await RedisServer.StartAsync(port);
            await restored;
            // (StackExchange.Redis may raise ConnectionRestored before the connection takes commands again.)
            Assert.True(node.Store.IsActive);
            Assert.Equal(0, ((L1Partition<string>)users).Count);
        }
        finally
        {
            server.Dispose();
        }
    }

    [Fact]
    public async Task NodeRestoredWhileTheSubscribedNodeIsStillDown_KeepsMemoryOff()
    {
        // Regression: the L1 tracked which connection types were down, not which node's. With the node
        // it hears invalidations through down, another node coming back turned memory on again, and
        // it served values whose invalidations it had missed.
        await using var cluster = await RedisClusterTopology.StartAsync();
        const string prefix = "app:";
        using var reader = await L1Node.StartOnAsync(cluster.Connection, prefix);
        using var writer = await L1Node.StartOnAsync(cluster.OtherConnection, prefix);
        var subscribed = NodeAt(cluster, cluster.Connection.GetSubscriber().SubscribedEndpoint(RedisChannel.Literal(prefix + "l1"))
            ?? throw new InvalidOperationException("The reader's L1 is ready but not subscribed on any node."));
        var up = (subscribed + 1) % 3;
        var restored = (subscribed + 2) % 3;
        var key = await cluster.OnNodeAsync(up, i => $"k{i}", k => $"{prefix}users:{k}");
        await writer.Partition().WriteAsync(key, Envelope.Fresh(1, "old", T0, T0.AddMinutes(10)), Ttl);
        var failed = Task.WhenAll(
            Event(cluster, reader.Connection, restored: false, subscribed),
            Event(cluster, reader.Connection, restored: false, restored));

        cluster.Nodes[subscribed].Kill();
        cluster.Nodes[restored].Kill();
        await failed;
        Assert.False(reader.Store.IsActive);
        var back = Event(cluster, reader.Connection, restored: true, restored);
        await cluster.RestartAsync(restored);
        await back;

        Assert.False(reader.Store.IsActive);
        // What memory on would do: the reader remembers the key, and misses the writer's invalidation.
        Assert.Equal("old", (await reader.Partition().ReadAsync(key))?.Value);
        await writer.Partition().WriteAsync(key, Envelope.Fresh(2, "new", T0, T0.AddMinutes(10)), Ttl);
        Assert.Equal("new", (await reader.Partition().ReadAsync(key))?.Value);
    }

    private static int NodeAt(RedisClusterTopology cluster, EndPoint endPoint) =>
        cluster.Nodes.Select((n, i) => (n.Port, i)).Single(n => n.Port == ((IPEndPoint)endPoint).Port).i;

    /// <summary>Completes when both of <paramref name="connection"/>'s connections (commands, pub/sub) to the node failed or were restored.</summary>
    private static Task Event(RedisClusterTopology cluster, ConnectionMultiplexer connection, bool restored, int node)
    {
        var port = cluster.Nodes[node].Port;
        var interactive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, ConnectionFailedEventArgs e)
        {
            if (e.EndPoint is IPEndPoint endPoint && endPoint.Port == port)
                (e.ConnectionType == ConnectionType.Interactive ? interactive : subscription).TrySetResult();
        }

        if (restored)
            connection.ConnectionRestored += Handler;
        else
            connection.ConnectionFailed += Handler;
        return Task.WhenAll(interactive.Task, subscription.Task).WaitAsync(Queue.QueueTesting.ReconnectBound);
    }

    private static Task Event(ConnectionMultiplexer connection, bool restored, ConnectionType type)
    {
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(object? sender, ConnectionFailedEventArgs e)
        {
            if (e.ConnectionType == type)
                raised.TrySetResult();
        }

        if (restored)
            connection.ConnectionRestored += Handler;
        else
            connection.ConnectionFailed += Handler;
        return raised.Task.WaitAsync(Queue.QueueTesting.ReconnectBound);
    }
}
