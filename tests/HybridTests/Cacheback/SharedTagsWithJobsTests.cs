using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>One tag mechanism: the HybridCache and Cacheback's tagged jobs on one runtime share its tag book.</summary>
public sealed class SharedTagsWithJobsTests
{
    private static readonly HybridCacheEntryOptions TenMinutes = new() { Expiration = TimeSpan.FromMinutes(10) };

    [Fact]
    public async Task RemoveByTag_OnTheHybridCache_ReachesATaggedJob_AndTheRuntimesReachesTheHybridCache()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, RunRefreshWorker = false });
        using var cache = new CachebackHybridCache(runtime);
        var fetches = 0;
        var job = Cache.Wrap<string, string>(
            (id, _) => Task.FromResult($"{id} #{Interlocked.Increment(ref fetches)}"),
            Policy.Create(lifetime: TimeSpan.FromMinutes(10)), name: "products", runtime: runtime, tags: _ => ["products"]);
        Assert.Equal("a #1", await job.GetAsync("a"));
        await cache.SetAsync("product:a", "cached a", TenMinutes, tags: ["products"]);

        await cache.RemoveByTagAsync("products");

        Assert.Equal("a #2", await job.GetAsync("a"));
        Assert.Equal("made", await cache.GetOrCreateAsync("product:a", _ => new ValueTask<string>("made"), TenMinutes, tags: ["products"]));
        await runtime.RemoveByTagAsync("products");
        Assert.Equal("made again", await cache.GetOrCreateAsync("product:a", _ => new ValueTask<string>("made again"), TenMinutes, tags: ["products"]));
        Assert.Equal("a #3", await job.GetAsync("a"));
    }
}
