using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.L1;

/// <summary>One "node": its own connection, its RedisStore (reads counted) and an L1Store in front.</summary>
internal sealed class L1Node : IDisposable
{
    private readonly bool _ownsConnection;

    private L1Node(ConnectionMultiplexer connection, CountingStore counting, L1Store l1, bool ownsConnection)
    {
        Connection = connection;
        Counting = counting;
        Store = l1;
        _ownsConnection = ownsConnection;
    }

    public ConnectionMultiplexer Connection { get; }

    /// <summary>The L2 as the L1 sees it: every read, write, compare-and-set and delete counted.</summary>
    public CountingStore Counting { get; }

    public L1Store Store { get; }

    /// <summary>A node on a connection of its own to <paramref name="server"/>, closed when the node is disposed.</summary>
    public static async Task<L1Node> StartAsync(RedisServer server, string prefix, L1Options? options = null) =>
        await StartAsync(await server.ConnectAsync(), prefix, options, ownsConnection: true);

    /// <summary>A node on a connection of its own to <paramref name="redis"/>, closed when the node is disposed.</summary>
    public static async Task<L1Node> StartAsync(IRedisTopology redis, string prefix, L1Options? options = null) =>
        await StartAsync(await redis.ConnectAsync(), prefix, options, ownsConnection: true);

    /// <summary>
    /// A node on <paramref name="connection"/>, which stays open when the node is disposed (closing a
    /// connection can take up to its syncTimeout).
    /// </summary>
    public static Task<L1Node> StartOnAsync(ConnectionMultiplexer connection, string prefix, L1Options? options = null) =>
        StartAsync(connection, prefix, options, ownsConnection: false);

    private static async Task<L1Node> StartAsync(ConnectionMultiplexer connection, string prefix, L1Options? options, bool ownsConnection)
    {
        var counting = new CountingStore(new RedisStore(connection, prefix));
        var l1 = new L1Store(counting, connection.GetSubscriber(), prefix, options);
        var node = new L1Node(connection, counting, l1, ownsConnection);
        try
        {
            await l1.Ready.WaitAsync(Queue.QueueTesting.Bound);
            Assert.True(l1.IsActive, "the L1 should be subscribed");
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    public IEnvelopeStore<string> Partition(string job = "users") =>
        Store.Partition(new PartitionSpec<string>(job, JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

    /// <summary>The next invalidation of <paramref name="key"/> this node applies; call before the write that causes it.</summary>
    public Task<L1Message> NextInvalidation(string key)
    {
        var applied = new TaskCompletionSource<L1Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInvalidated(L1Message m)
        {
            if (m.Key == key && applied.TrySetResult(m))
                Store.Invalidated -= OnInvalidated;
        }

        Store.Invalidated += OnInvalidated;
        return applied.Task.WaitAsync(Queue.QueueTesting.Bound);
    }

    /// <summary>Completes when <paramref name="count"/> invalidations of <paramref name="key"/> were applied; call before the writes.</summary>
    public Task Invalidations(string key, int count)
    {
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        void OnInvalidated(L1Message m)
        {
            if (m.Key == key && Interlocked.Increment(ref seen) == count)
            {
                Store.Invalidated -= OnInvalidated;
                applied.TrySetResult();
            }
        }

        Store.Invalidated += OnInvalidated;
        return applied.Task.WaitAsync(Queue.QueueTesting.Bound);
    }

    public void Dispose()
    {
        Store.Dispose();
        if (_ownsConnection)
            Connection.Dispose();
    }
}

/// <summary>A store that counts what reaches it; a read may be held at a gate the test opens.</summary>
internal sealed class CountingStore(ICacheStore inner) : ICacheStore
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>When set, the next read waits for it after reading (the answer is then as old as the read).</summary>
    public TaskCompletionSource? HoldNextRead { get; set; }

    /// <summary>Completed once the held read has its answer from Redis (so a test can write after it, not race it).</summary>
    public TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Calls { get; } = new();

    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Counting<T>(inner.Partition(spec), this);

    private sealed class Counting<T>(IEnvelopeStore<T> inner, CountingStore owner) : IEnvelopeStore<T>
    {
        public async ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner._reads);
            owner.Calls.Enqueue("read");
            var read = await inner.ReadAsync(key, cancellationToken);
            if (owner.HoldNextRead is { } hold)
            {
                owner.HoldNextRead = null;
                owner.Answered.TrySetResult();
                await hold.Task.WaitAsync(Queue.QueueTesting.Bound);
            }

            return read;
        }

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            owner.Calls.Enqueue("cas");
            return inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            owner.Calls.Enqueue("write");
            return inner.WriteAsync(key, envelope, ttl, cancellationToken);
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        {
            owner.Calls.Enqueue("delete");
            return inner.DeleteAsync(key, cancellationToken);
        }
    }
}
