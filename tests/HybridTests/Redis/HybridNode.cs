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
        var redis = new RedisStore(connection, prefix);
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
