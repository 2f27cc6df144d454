using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Hybrid;
using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Cacheback.Tests.Redis.DependencyInjection.RedisHost;

namespace Cacheback.Tests.Redis.DependencyInjection;

/// <summary>
/// Issue 12 point 1: HybridCache keys whose factory is registered by name have their stale
/// refreshes queued to Redis and run by a worker host; anonymous factories refresh in-process.
/// Two hosts on one redis-server: a web host that runs no refreshes, and an AddCachebackWorker host.
/// </summary>
[Collection(RedisCollection.Name)]
public class HybridNamedFactoryOnRedisTests(RedisServerFixture redis)
{
    /// <summary>The registrations both hosts make: HybridCache on Cacheback, and the "product" factory.</summary>
    private static IServiceCollection AddAppCaching(IServiceCollection services, string host, Func<int> made) =>
        services
            .AddCachebackHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10) })
            .AddCachebackHybridFactory("product", (_, key, _) => ValueTask.FromResult($"{key} from the {host} #{made()}"));

    [Fact]
    public async Task NamedFactory_StaleRefreshIsQueued_AndTheWorkerHostRunsIt_TheWebHostNever()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, prefix, nameof(NamedFactory_StaleRefreshIsQueued_AndTheWorkerHostRunsIt_TheWebHostNever));
        var namedCalls = 0;
        var callCalls = 0;
        using var web = Build(new(settings) { ["Cacheback:RunRefreshWorker"] = "false" }, s => AddAppCaching(s, "web", () => Interlocked.Increment(ref namedCalls)));
        await web.StartAsync();
        var cache = (CachebackHybridCache)web.Services.GetRequiredService<HybridCache>();
        ValueTask<string> Read(string key) =>
            cache.GetOrCreateAsync(key, _ => ValueTask.FromResult($"{key} from the call #{Interlocked.Increment(ref callCalls)}"), tags: ["catalogue"]);
        Assert.Equal("product:1 from the call #1", await Read("product:1"));
        var enqueued = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cache.RefreshEnqueued += key => enqueued.TrySetResult(key);

        // Stale now: served, and its refresh goes to Redis (the web host takes nothing from it).
        await cache.InvalidateByTagAsync("catalogue");
        Assert.Equal("product:1 from the call #1", await Read("product:1"));
        Assert.Equal("product:1", await enqueued.Task.WaitAsync(QueueTesting.Bound));
        Assert.Equal("product:1 from the call #1", await Read("product:1"));
        var queue = web.Services.GetRequiredService<CachebackRedis>().Queues["default"];
        Assert.Equal(new RedisQueueCounts(1, 0, 0), await queue.CountsAsync());

        // The worker process: the same registrations, and one call.
        using var worker = Build(settings, s => AddAppCaching(s, "worker", () => Interlocked.Increment(ref namedCalls)).AddCachebackWorker());
        var landed = worker.Services.GetRequiredService<CachebackRuntime>().Outcomes.FirstAsync().ToTask();
        await worker.StartAsync();

        var outcome = await landed.WaitAsync(QueueTesting.Bound);
        Assert.Equal((RefreshResult.Succeeded, "hybrid.product", "product:1"), (outcome.Result, outcome.Request.Job, outcome.Request.Key));
        Assert.Equal("product:1 from the worker #1", await Read("product:1"));
        Assert.Equal((1, 1), (namedCalls, callCalls));
        await worker.StopAsync();
        await web.StopAsync();
    }

    [Fact]
    public async Task AnonymousKey_StaleRefreshRunsInTheProcessThatReadIt_NothingIsQueued()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, prefix, nameof(AnonymousKey_StaleRefreshRunsInTheProcessThatReadIt_NothingIsQueued));
        var calls = 0;
        using var web = Build(new(settings) { ["Cacheback:RunRefreshWorker"] = "false" }, s => AddAppCaching(s, "web", () => 0));
        await web.StartAsync();
        var cache = (CachebackHybridCache)web.Services.GetRequiredService<HybridCache>();
        ValueTask<string> Read(string key) =>
            cache.GetOrCreateAsync(key, _ => ValueTask.FromResult($"{key} #{Interlocked.Increment(ref calls)}"), tags: ["catalogue"]);
        Assert.Equal("basket:1 #1", await Read("basket:1"));
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cache.RefreshEnded += key => ended.TrySetResult(key);

        await cache.InvalidateByTagAsync("catalogue");
        Assert.Equal("basket:1 #1", await Read("basket:1"));

        Assert.Equal("basket:1", await ended.Task.WaitAsync(QueueTesting.Bound));
        Assert.Equal("basket:1 #2", await Read("basket:1"));
        var queue = web.Services.GetRequiredService<CachebackRedis>().Queues["default"];
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
        await web.StopAsync();
    }

    [Fact]
    public void AddCachebackHybridFactory_NameWithAColon_IsRejectedNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddCachebackHybridFactory("a:b", (_, key, _) => ValueTask.FromResult(key)));

        Assert.Contains("'hybrid.a:b'", e.Message, StringComparison.Ordinal);
    }
}
