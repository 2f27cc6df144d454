using System.Diagnostics;
using Cacheback.Sandbox.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;

namespace Cacheback.Web.Compare;

/// <summary>
/// One cached endpoint served three ways, for the load run (benchmarks/web-load.sh):
/// <c>/compare/cacheback</c>, <c>/compare/hybrid</c> (HybridCache) and <c>/compare/memory</c>
/// (<c>IMemoryCache.GetOrCreateAsync</c>), over the same fetch (<c>Compare:FetchDelay</c>, then a
/// count of the items) and the same expiry (<c>Compare:Expiry</c>). <c>/compare/stats</c> gives,
/// per cache, the requests, those that took longer than the fetch, and the fetches.
/// </summary>
internal static class CompareEndpoints
{
    public const string Job = "compare";
    private const string Key = "report";

    // HybridCache keeps its local entries in the app's IMemoryCache, under their own keys: ours must differ.
    private const string MemoryKey = "compare-memory:report";

    public static IServiceCollection AddCompareCaches(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = CompareSettings.From(configuration);
        services.AddSingleton(settings);
        services.AddSingleton<CompareStats>();
        services.AddMemoryCache();
        services.AddHybridCache();
        // Cacheback: stale after the expiry, served while one refresh runs behind.
        services.AddCachedFetch<string, string>(Job, (provider, _, cancellationToken) => FetchAsync(provider, "cacheback", cancellationToken),
            job => job with { Policy = Policy.Create(lifetime: settings.Expiry, refreshTimeout: TimeSpan.FromSeconds(30)) });
        return services;
    }

    public static void MapCompareEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/compare/cacheback", ([FromKeyedServices(Job)] CachedFetch<string, string> cached, IServiceProvider services, CancellationToken cancellationToken) =>
            Timed(services, "cacheback", () => cached.GetAsync(Key, cancellationToken)));
        app.MapGet("/compare/hybrid", (HybridCache cache, CompareSettings settings, IServiceProvider services, CancellationToken cancellationToken) =>
            Timed(services, "hybrid", () => cache.GetOrCreateAsync(Key, services, (provider, ct) => new ValueTask<string>(FetchAsync(provider, "hybrid", ct)),
                new HybridCacheEntryOptions { Expiration = settings.Expiry, LocalCacheExpiration = settings.Expiry }, cancellationToken: cancellationToken)));
        app.MapGet("/compare/memory", (IMemoryCache cache, CompareSettings settings, IServiceProvider services) =>
            Timed(services, "memory", async ValueTask<string> () => (await cache.GetOrCreateAsync(MemoryKey, entry =>
            {
                // No stampede guard: every request that finds the entry gone runs the fetch.
                entry.AbsoluteExpirationRelativeToNow = settings.Expiry;
                return FetchAsync(services, "memory", CancellationToken.None);
            }))!));
        app.MapGet("/compare/stats", (CompareStats stats) => Results.Json(stats.Snapshot()));
    }

    private static async Task<string> Timed(IServiceProvider services, string cache, Func<ValueTask<string>> read)
    {
        var started = Stopwatch.GetTimestamp();
        var collections = GC.CollectionCount(0);
        var value = await read();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var settings = services.GetRequiredService<CompareSettings>();
        // A slow request during which the GC ran may have waited for the GC rather than for a fetch: counted apart.
        services.GetRequiredService<CompareStats>().For(cache).Served(elapsed >= settings.FetchDelay, GC.CollectionCount(0) != collections);
        return value;
    }

    /// <summary>The expensive read every cache shares: a slow backend, then a query.</summary>
    private static async Task<string> FetchAsync(IServiceProvider services, string cache, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<CompareSettings>();
        await Task.Delay(settings.FetchDelay, services.GetRequiredService<TimeProvider>(), cancellationToken);
        var factory = services.GetRequiredService<IDbContextFactory<SandboxDb>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var count = await db.Items.CountAsync(cancellationToken);
        services.GetRequiredService<CompareStats>().For(cache).Fetched();
        return $"{count} items, fetched at {services.GetRequiredService<TimeProvider>().GetUtcNow():O}";
    }
}
