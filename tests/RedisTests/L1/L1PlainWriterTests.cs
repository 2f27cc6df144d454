using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.L1;

/// <summary>
/// Every write to the shared store reaches every L1 (issue 10, defect 15): a web node reads through
/// an L1 while a worker without one (a plain <see cref="RedisStore"/>) refreshes, and the web node's
/// next read sees the worker's value once the invalidation arrives, not after the L1's time to live.
/// </summary>
[Collection(RedisCollection.Name)]
public class L1PlainWriterTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private static Envelope<string> Value(long version, string value) => Envelope.Fresh(version, value, T0, T0.AddMinutes(10));

    private static PartitionSpec<string> Users => new("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { });

    [Theory]
    [InlineData("write")]
    [InlineData("compare-and-set")]
    [InlineData("delete")]
    public async Task PlainRedisStoreChange_OnANodeWithoutL1_EvictsTheKeyFromTheL1OfAnother(string change)
    {
        var prefix = RedisServerFixture.Prefix() + change + ":";
        // The web node: its own connection, an L1 with a long time to live (it must not be what helps).
        using var web = await L1Node.StartAsync(redis.Server, prefix, new L1Options { TimeToLive = TimeSpan.FromHours(1), TimeProvider = new FakeTimeProvider() });
        // The worker: a plain RedisStore, no L1.
        var worker = new RedisStore(redis.Connection, prefix).Partition(Users);
        var written = web.NextInvalidation("k");
        await worker.WriteAsync("k", Value(1, "old"), Ttl);
        // Its invalidation lands before the reads: it must not be what the reads below see.
        await written;
        Assert.Equal("old", (await web.Partition().ReadAsync("k"))?.Value);
        Assert.Equal("old", (await web.Partition().ReadAsync("k"))?.Value);
        Assert.Equal(1, web.Counting.Reads);
        var invalidated = web.NextInvalidation("k");

        switch (change)
        {
            case "write":
                await worker.WriteAsync("k", Value(2, "new"), Ttl);
                break;
            case "compare-and-set":
                Assert.True(await worker.CompareAndSetAsync("k", 1, Value(2, "new"), Ttl));
                break;
            default:
                Assert.True(await worker.DeleteAsync("k"));
                break;
        }

        await invalidated;
        Assert.Equal(change == "delete" ? null : "new", (await web.Partition().ReadAsync("k"))?.Value);
        Assert.Equal(2, web.Counting.Reads);
    }

    [Fact]
    public async Task CompareAndSet_LostOnAPlainRedisStore_AnnouncesNothing()
    {
        var prefix = RedisServerFixture.Prefix();
        using var web = await L1Node.StartAsync(redis.Server, prefix);
        var worker = new RedisStore(redis.Connection, prefix).Partition(Users);
        await worker.WriteAsync("k", Value(1, "a"), Ttl);
        var messages = await ListenAsync(prefix);

        Assert.False(await worker.CompareAndSetAsync("k", 7, Value(8, "b"), Ttl));
        await worker.WriteAsync("fence", Value(1, "f"), Ttl);

        Assert.Equal(["fence"], (await messages.UntilAsync("fence")).Select(m => m.Key));
    }

    [Fact]
    public async Task Write_ThroughAnL1OverRedis_IsAnnouncedOnceUnderTheL1sNodeId()
    {
        var prefix = RedisServerFixture.Prefix();
        using var l1 = new L1Store(new RedisStore(redis.Connection, prefix));
        await l1.Ready.WaitAsync(Queue.QueueTesting.Bound);
        var messages = await ListenAsync(prefix);
        var plain = new RedisStore(redis.Connection, prefix).Partition(Users);

        await l1.Partition(Users).WriteAsync("k", Value(1, "a"), Ttl);
        await plain.WriteAsync("fence", Value(1, "f"), Ttl);

        var seen = await messages.UntilAsync("fence");
        Assert.Equal(2, seen.Count);
        Assert.Equal(("k", l1.Node), (seen[0].Key, seen[0].Node));
        Assert.NotEqual(l1.Node, seen[1].Node);
        // Its own message changes nothing in its memory: the write is a hit, Redis is not asked.
        Assert.True(l1.Partition(Users).ReadAsync("k").IsCompletedSuccessfully);
    }

    /// <summary>Every invalidation published under <paramref name="prefix"/> from now on.</summary>
    private async Task<Listener> ListenAsync(string prefix)
    {
        var listener = new Listener();
        // A message queue, not a handler: the client may run handlers concurrently, out of the order
        // Redis delivered the messages in; the queue hands them over one at a time, in that order.
        var queue = await redis.Connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(prefix + "l1"));
        queue.OnMessage(m => listener.Add(L1Message.TryParse(m.Message)!));
        return listener;
    }

    private sealed class Listener
    {
        private readonly ConcurrentQueue<L1Message> _seen = new();
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(L1Message message)
        {
            _seen.Enqueue(message);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>The messages up to the first of <paramref name="key"/>, in the order published.</summary>
        public async Task<List<L1Message>> UntilAsync(string key)
        {
            while (true)
            {
                var next = Volatile.Read(ref _next).Task;
                if (_seen.Any(m => m.Key == key))
                    return _seen.TakeWhile(m => m.Key != key).Append(_seen.First(m => m.Key == key)).ToList();
                await next.WaitAsync(Queue.QueueTesting.Bound);
            }
        }
    }
}
