using System.Globalization;
using Cacheback.Hybrid;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Cacheback.Benchmarks.Hybrid;

/// <summary>
/// One process of the two-process scenario (<c>hybrid-node KIND REDIS PREFIX</c>): builds one cache
/// over the shared Redis and obeys its parent on stdin: <c>fill</c>, <c>episode</c> (100 callers
/// at once; prints their latencies), <c>fetches</c> (prints its backend calls), <c>quit</c>.
/// </summary>
internal static class RedisNode
{
    public static async Task<int> RunAsync(string kind, string redis, string prefix)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var (cache, owner) = Build(kind, connection, redis, prefix);
        var fetches = 0;
        async Task<string> Factory(CancellationToken ct)
        {
            var n = Interlocked.Increment(ref fetches);
            await Task.Delay(StaleEpisodes.Backend, ct);
            return $"{Environment.ProcessId}-{n}";
        }

        ThreadPool.SetMinThreads(64, 64);
        Console.WriteLine("ready");
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            var key = parts.Length > 1 ? "product:" + parts[1] : "product:0";
            switch (parts[0])
            {
                case "fill":
                    await cache(key, Factory);
                    Console.WriteLine("filled");
                    break;
                case "episode":
                    var latencies = await StaleEpisodes.BurstAsync(cache, key, Factory);
                    Console.WriteLine("latencies " + string.Join(' ', latencies.Select(l => l.ToString("0.###", CultureInfo.InvariantCulture))));
                    break;
                case "fetches":
                    Console.WriteLine("fetches " + Volatile.Read(ref fetches).ToString(CultureInfo.InvariantCulture));
                    break;
                case "quit":
                    owner.Dispose();
                    connection.Dispose();
                    return 0;
            }
        }

        return 1;
    }

    private static (HybridScenarioCaches.Read Read, IDisposable Owner) Build(string kind, ConnectionMultiplexer connection, string redis, string prefix)
    {
        var expiration = StaleEpisodes.Expiration;
        switch (kind)
        {
            case "microsoft":
            {
                var built = HybridScenarioCaches.Microsoft(expiration, s => s.AddStackExchangeRedisCache(o => { o.Configuration = redis; o.InstanceName = prefix; }));
                return (built.Read, built.Owner);
            }

            case "fusion":
            {
                var options = HybridScenarioCaches.FusionEntryOptions(expiration);
                var services = new ServiceCollection();
                services.AddStackExchangeRedisCache(o => { o.Configuration = redis; o.InstanceName = prefix; });
                var provider = services.BuildServiceProvider();
                var cache = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = options, CacheName = prefix });
                cache.SetupDistributedCache(provider.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(), new FusionCacheSystemTextJsonSerializer());
                return ((key, factory) => cache.GetOrSetAsync<string>(key, (_, ct) => factory(ct), options: options), new Owners(cache, provider));
            }

            case "cacheback":
            {
                var l2 = new RedisStore(connection, prefix);
                var l1 = new L1Store(l2, connection.GetSubscriber(), prefix);
                l1.Ready.Wait();
                var logging = Environment.GetEnvironmentVariable("HYBRID_NODE_LOG") is null ? null : Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Debug));
                var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = l1, RunRefreshWorker = false, LoggerFactory = logging });
                var cache = new CachebackHybridCache(runtime);
                var options = new HybridCacheEntryOptions { Expiration = expiration };
                return ((key, factory) => cache.GetOrCreateAsync(key, factory, static async (f, ct) => await f(ct), options), new Owners(cache, runtime, l1));
            }

            default:
                throw new ArgumentException($"No cache kind '{kind}': microsoft, fusion or cacheback.", nameof(kind));
        }
    }

    private sealed class Owners(params IDisposable[] owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var o in owned)
                o.Dispose();
        }
    }
}
