using StackExchange.Redis;

namespace Cacheback.Tests.Redis.L1;

/// <summary>Each test kills and restarts a redis-server of its own (the shared fixture's server stays up).</summary>
public class L1ConnectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

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
