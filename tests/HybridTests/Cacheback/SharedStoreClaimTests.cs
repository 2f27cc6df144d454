using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>On a store whose writes take a round trip, a stale episode sends one claim from a process, not one per reader.</summary>
public sealed class SharedStoreClaimTests
{
    private static readonly HybridCacheEntryOptions OneMinute = new() { Expiration = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task Readers_of_a_stale_key_send_one_claim_while_it_is_on_its_way()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var store = new SlowSharedStore(time);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Store = store, RunRefreshWorker = false });
        using var cache = new CachebackHybridCache(runtime);
        Assert.True(cache.IsStoreShared);
        await cache.SetAsync("k", "old", OneMinute);
        time.Advance(TimeSpan.FromMinutes(2));
        var before = store.CompareAndSets;
        store.Hold();
        var refreshed = cache.NextRefreshEnded("k");

        for (var i = 0; i < 20; i++)
            Assert.Equal("old", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("new"), OneMinute));

        Assert.Equal(1, store.CompareAndSets - before);
        store.Release();
        await refreshed;
        Assert.Equal("new", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }

    /// <summary>
    /// A read the store answered at once with a stale entry is looked at by the hit check, then
    /// decided on: the store's ValueTask is taken once (a pooled one, as a Redis read's, may serve
    /// another read once taken). Seen under load before: "the store failed to read", and the stale
    /// read waited for its factory instead of being served.
    /// </summary>
    [Fact]
    public async Task A_stale_read_answered_at_once_takes_the_store_result_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Store = new OneShotReadStore(time), RunRefreshWorker = false });
        using var cache = new CachebackHybridCache(runtime);
        Assert.True(cache.IsStoreShared);
        await cache.SetAsync("k", "old", OneMinute);
        time.Advance(TimeSpan.FromMinutes(2));
        var refreshed = cache.NextRefreshEnded("k");
        var factoryCalls = 0;

        var stale = await cache.GetOrCreateAsync("k", _ => new ValueTask<string>($"new #{++factoryCalls}"), OneMinute);

        Assert.Equal("old", stale);
        await refreshed;
        Assert.Equal(1, factoryCalls);
        Assert.Equal("new #1", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }
}
