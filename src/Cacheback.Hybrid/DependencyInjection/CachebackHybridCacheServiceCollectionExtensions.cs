using Cacheback.Hybrid;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary><c>services.AddCachebackHybridCache()</c>: Cacheback as the app's <see cref="HybridCache"/>.</summary>
public static class CachebackHybridCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CachebackHybridCache"/> as the <see cref="HybridCache"/> singleton
    /// (replacing one <c>AddHybridCache</c> registered): the one line an app written against
    /// HybridCache changes. It runs on the registered <c>CachebackRuntime</c> (<c>AddCacheback</c>,
    /// <c>AddCachebackRedis</c>) or, without one, on an embedded runtime over the registered
    /// <see cref="TimeProvider"/>; <see cref="IHybridCacheSerializer{T}"/> and
    /// <see cref="IHybridCacheSerializerFactory"/> registrations are honoured.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets HybridCache's options and Cacheback's (an <c>AddHybridCache</c> lambda compiles unchanged).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCachebackHybridCache(this IServiceCollection services, Action<CachebackHybridCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CachebackHybridCacheOptions>();
        if (configure is not null)
            services.Configure(configure);
        services.TryAddSingleton(provider => new CachebackHybridCache(provider.GetRequiredService<IOptions<CachebackHybridCacheOptions>>().Value, provider));
        services.Replace(ServiceDescriptor.Singleton<HybridCache>(provider => provider.GetRequiredService<CachebackHybridCache>()));
        return services;
    }

    /// <summary>
    /// Registers a HybridCache factory by name, for the keys that start with <paramref name="keyPrefix"/>
    /// (default <c>"{name}:"</c>): the stale refreshes of those keys are queued to the runtime's refresh
    /// queue (<c>AddCachebackRedis</c>: Redis) and run by the processes that run refreshes (an
    /// <c>AddCachebackWorker</c> host with the same registrations), with <paramref name="factory"/>
    /// in a DI scope of its own; a web host that runs no refreshes only enqueues them. Call sites
    /// stay <c>GetOrCreateAsync(key, ...)</c>: their factory still fills a miss (the caller waits
    /// for it), and refreshes here if the queue will not take one. Anonymous keys (no prefix
    /// matching) keep refreshing in the process that read them. Only with a shared store: with the
    /// embedded one every refresh runs in-process.
    /// </summary>
    /// <typeparam name="T">The type of value the factory makes: calls reading another type under its keys refresh in-process.</typeparam>
    /// <param name="services">The app's services.</param>
    /// <param name="name">The factory's name: its refresh requests carry <c>hybrid.{name}</c>, so it must be the same on every host.</param>
    /// <param name="factory">Makes the value of a key, from the key alone: (services of its scope, key, cancellation).</param>
    /// <param name="keyPrefix">The keys it makes (default <c>"{name}:"</c>); the longest matching prefix wins.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is unusable as a job name (empty, a colon, a control character, too long), or <paramref name="keyPrefix"/> is empty.</exception>
    public static IServiceCollection AddCachebackHybridFactory<T>(
        this IServiceCollection services, string name, Func<IServiceProvider, string, CancellationToken, ValueTask<T>> factory, string? keyPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.AddSingleton<HybridFactory>(new HybridFactory<T>(name, keyPrefix ?? name + ":", factory));
        services.AddCachebackHybridCache();
        // Resolving the cache at start registers the factories with the runtime, so that a worker
        // finds them by name before any request is taken.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, HybridFactoryRegistration>());
        return services;
    }
}
