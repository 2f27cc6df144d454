using Cacheback.Hybrid;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cacheback.Benchmarks.Hybrid;

/// <summary>The three caches of the HybridCache figures, each behind one delegate, built the way their docs recommend.</summary>
internal static class HybridScenarioCaches
{
    /// <summary>FusionCache's resilience settings: fail-safe, eager refresh, and a factory soft timeout (stale served while the factory finishes in the background).</summary>
    public static FusionCacheEntryOptions FusionEntryOptions(TimeSpan duration) => new()
    {
        Duration = duration,
        IsFailSafeEnabled = true,
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FactorySoftTimeout = TimeSpan.FromMilliseconds(1),
        AllowTimedOutFactoryBackgroundCompletion = true,
        EagerRefreshThreshold = 0.9f,
    };

    /// <summary>A cache as one call: read <c>key</c>, running <c>factory</c> when the cache decides to.</summary>
    public delegate ValueTask<string> Read(string key, Func<CancellationToken, Task<string>> factory);

    public sealed record Built(string Name, Read Read, IDisposable Owner);

    public static Built Microsoft(TimeSpan expiration, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddHybridCache();
        var provider = collection.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        var options = new HybridCacheEntryOptions { Expiration = expiration, LocalCacheExpiration = expiration };
        return new("Microsoft HybridCache", (key, factory) => cache.GetOrCreateAsync(key, factory, static async (f, ct) => await f(ct), options), provider);
    }

    public static Built Fusion(TimeSpan expiration, Action<FusionCache>? setup = null)
    {
        var options = FusionEntryOptions(expiration);
        var cache = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = options });
        setup?.Invoke(cache);
        return new("FusionCache", (key, factory) => cache.GetOrSetAsync<string>(key, (_, ct) => factory(ct), options: options), cache);
    }

    public static Built Cacheback(TimeSpan expiration, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddCachebackHybridCache();
        var provider = collection.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        var options = new HybridCacheEntryOptions { Expiration = expiration };
        return new("Cacheback.Hybrid", (key, factory) => cache.GetOrCreateAsync(key, factory, static async (f, ct) => await f(ct), options), provider);
    }
}
