using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// What <c>AddCachebackRedis</c> built for a container: one connection, the store, the queues (and
/// the L1 store), as the runtime uses them. A singleton: resolve it for operator work such as a
/// queue's dead letters (<c>Queues["default"].DeadLettersAsync()</c>).
/// </summary>
public sealed class CachebackRedis : IDisposable
{
    internal CachebackRedis(RedisStore store, L1Store? l1, IReadOnlyDictionary<string, RedisRefreshQueue> queues)
    {
        Store = store;
        L1 = l1;
        Queues = queues;
    }

    /// <summary>The connection, opened by <see cref="RedisStore.Connect(string, string)"/>; closed when the container is disposed.</summary>
    public IConnectionMultiplexer Connection => Store.Connection;

    /// <summary>The Redis store, under <see cref="CachebackRedisOptions.KeyPrefix"/>.</summary>
    public RedisStore Store { get; }

    /// <summary>The memory layer in front of <see cref="Store"/> (the runtime's store then); null unless <see cref="CachebackRedisOptions.UseL1"/> is set.</summary>
    public L1Store? L1 { get; }

    /// <summary>The Redis queues, by the runtime's queue name (<see cref="CachebackRedisOptions.Queues"/>).</summary>
    public IReadOnlyDictionary<string, RedisRefreshQueue> Queues { get; }

    /// <summary>Disposes the queues and the L1 store. The store, a service of its own, closes the connection after this.</summary>
    public void Dispose()
    {
        foreach (var queue in Queues.Values)
            queue.Dispose();
        L1?.Dispose();
    }
}
