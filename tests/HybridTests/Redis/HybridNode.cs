using StackExchange.Redis;

namespace Cacheback.Hybrid.Tests.Redis;

/// <summary>One "node": a Cacheback runtime of its own on a shared redis-server (with an L1 in front, or not) and the HybridCache on it.</summary>
internal sealed class HybridNode : IDisposable
{
    private HybridNode(CachebackRuntime runtime, CachebackHybridCache cache, L1Store? l1)
    {
        Runtime = runtime;
        Cache = cache;
        L1 = l1;
    }

    public CachebackRuntime Runtime { get; }

    public CachebackHybridCache Cache { get; }

    public L1Store? L1 { get; }

    public static async Task<HybridNode> StartAsync(ConnectionMultiplexer connection, string prefix, TimeProvider time, bool withL1)
    {
        // The runtime follows Redis's clock: measured once when it is built, then every ClockSyncInterval
        // on the runtime's clock. On the test's fake clock, an Advance past that interval re-measures, and
        // pulls the runtime back to Redis's real time while the test's reads run (a read then saw the
        // entry fresh, another stale). At 1 h, no test's Advance reaches it: the fake clock's moves stand.
        var redis = new RedisStore(connection, prefix) { ClockSyncInterval = TimeSpan.FromHours(1) };
        L1Store? l1 = null;
        if (withL1)
        {
            l1 = new L1Store(redis, connection.GetSubscriber(), prefix);
            await l1.Ready.WaitAsync(RefreshWaits.Bound);
        }

        var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Store = (ICacheStore?)l1 ?? redis, RunRefreshWorker = false });
        var cache = new CachebackHybridCache(runtime, new CachebackHybridCacheOptions { StaleFor = TimeSpan.FromMinutes(10) });
        return new HybridNode(runtime, cache, l1);
    }

    /// <summary>Completes when this node's L1 has applied an invalidation of the tag <paramref name="tag"/>; call before the write that causes it. At once without an L1.</summary>
    public Task TagInvalidated(string tag)
    {
        if (L1 is not { } l1)
            return Task.CompletedTask;
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInvalidated(L1Message m)
        {
            if (m.Job == StoreTagBook.PartitionName && m.Key == tag && applied.TrySetResult())
                l1.Invalidated -= OnInvalidated;
        }

        l1.Invalidated += OnInvalidated;
        return applied.Task.WaitAsync(RefreshWaits.Bound);
    }

    /// <summary>Completes when this node's L1 has applied an invalidation of the entry <paramref name="key"/>; at once without an L1.</summary>
    public Task KeyInvalidated(string key)
    {
        if (L1 is not { } l1)
            return Task.CompletedTask;
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInvalidated(L1Message m)
        {
            if (m.Job != StoreTagBook.PartitionName && m.Key == key && applied.TrySetResult())
                l1.Invalidated -= OnInvalidated;
        }

        l1.Invalidated += OnInvalidated;
        return applied.Task.WaitAsync(RefreshWaits.Bound);
    }

    public void Dispose()
    {
        Cache.Dispose();
        Runtime.Dispose();
        L1?.Dispose();
    }
}
