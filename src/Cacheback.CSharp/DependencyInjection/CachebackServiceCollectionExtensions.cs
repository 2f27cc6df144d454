using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>Registers Cacheback in a service collection.</summary>
public static class CachebackServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="CachebackRuntime"/> (a singleton), its options (bound from the
    /// <c>"Cacheback"</c> configuration section, then <paramref name="configure"/>), and the hosted
    /// refresh worker.
    /// </summary>
    public static IServiceCollection AddCacheback(this IServiceCollection services, Action<CachebackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CachebackOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CachebackOptions>, BindFromConfiguration>());
        if (configure is not null)
            services.Configure(configure);
        services.TryAddSingleton(CreateRuntime);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CachebackRefreshService>());
        return services;
    }

    /// <summary>
    /// Adds the job <typeparamref name="TJob"/> as a singleton in the Cacheback runtime; it is
    /// registered by name when the host starts, so refresh requests naming it find it.
    /// </summary>
    public static IServiceCollection AddCachebackJob<TJob>(this IServiceCollection services)
        where TJob : class, ICachebackJob
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var job = ActivatorUtilities.CreateInstance<TJob>(provider);
            job.AttachTo(provider.GetRequiredService<CachebackRuntime>());
            return job;
        });
        services.AddSingleton<ICachebackJob>(provider => provider.GetRequiredService<TJob>());
        return services;
    }

    private static CachebackRuntime CreateRuntime(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<CachebackOptions>>().Value;
        var time = provider.GetService<TimeProvider>() ?? TimeProvider.System;
        var policy = options.ToPolicy();
        var stores = options.StoreNames.ToDictionary(name => name, ICacheStore (_) => new MemoryStore(time));
        foreach (var (name, store) in options.Stores)
            stores[name] = store;
        var queues = options.QueueNames.ToDictionary(name => name, IRefreshQueue (_) => new InProcessQueue(options.QueueCapacity));
        foreach (var (name, queue) in options.Queues)
            queues[name] = queue;
        return new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = time,
            LoggerFactory = provider.GetService<ILoggerFactory>(),
            Store = stores.Remove(CachebackRuntimeOptions.DefaultName, out var defaultStore) ? defaultStore : null,
            Stores = stores,
            Queue = queues.Remove(CachebackRuntimeOptions.DefaultName, out var defaultQueue) ? defaultQueue : new InProcessQueue(options.QueueCapacity),
            Queues = queues,
            DefaultPolicy = policy,
            Refresh = new RefreshPipelineOptions
            {
                MaxConcurrency = options.MaxConcurrentRefreshes,
                Timeout = options.RefreshFetchTimeout ?? policy.RefreshTimeout,
            },
            // The hosted service starts it with the host, and drains it on shutdown.
            RunRefreshes = false,
        });
    }

    /// <summary>Binds the "Cacheback" section when the container has a configuration.</summary>
    private sealed class BindFromConfiguration(IServiceProvider provider) : IConfigureOptions<CachebackOptions>
    {
        public void Configure(CachebackOptions options) =>
            provider.GetService<IConfiguration>()?.GetSection(CachebackOptions.SectionName).Bind(options);
    }
}
