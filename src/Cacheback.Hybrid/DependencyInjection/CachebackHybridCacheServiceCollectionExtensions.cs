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
}
