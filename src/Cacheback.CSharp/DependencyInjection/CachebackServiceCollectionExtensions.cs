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
        if (services.Any(d => d.ServiceType == typeof(CachebackRuntime)))
            return services; // added before: only the configuration above adds up
        services.AddSingleton(CreateRuntime);
        // One instance, reachable by its type (for LastDrainReport) and run as a hosted service.
        services.AddSingleton<CachebackRefreshService>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<CachebackRefreshService>());
        return services;
    }

    /// <summary>
    /// Adds the job <typeparamref name="TJob"/> as a singleton in the Cacheback runtime; it is
    /// registered by name when the host starts, so refresh requests naming it find it.
    /// </summary>
    public static IServiceCollection AddCachebackJob<TJob>(this IServiceCollection services)
        where TJob : class, ICachebackJob =>
        services.AddCachebackJob(provider => ActivatorUtilities.CreateInstance<TJob>(provider));

    /// <summary>
    /// Adds the job <typeparamref name="TJob"/>, made by <paramref name="factory"/>, as a singleton
    /// in the Cacheback runtime; it is registered by name when the host starts.
    /// </summary>
    public static IServiceCollection AddCachebackJob<TJob>(this IServiceCollection services, Func<IServiceProvider, TJob> factory)
        where TJob : class, ICachebackJob
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        // Not TryAdd: a TJob registered before would otherwise run, unattached, in the default runtime.
        services.AddSingleton(provider =>
        {
            var job = factory(provider);
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
        options.Validate();
        var policy = options.ToPolicy();
        // Names may come from the configuration and from code alike; a store given in code wins.
        var stores = new Dictionary<string, ICacheStore>(StringComparer.Ordinal);
        foreach (var name in options.StoreNames)
            stores[name] = new MemoryStore(time);
        foreach (var (name, store) in options.Stores)
            stores[name] = store;
        var queues = new Dictionary<string, IRefreshQueue>(StringComparer.Ordinal);
        foreach (var name in options.QueueNames)
            queues[name] = new InProcessQueue(options.QueueCapacity);
        foreach (var (name, queue) in options.Queues)
            queues[name] = queue;
        queues.Remove(CachebackRuntimeOptions.DefaultName, out var defaultQueue);
        return new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = time,
            LoggerFactory = provider.GetService<ILoggerFactory>(),
            // The host's meter factory (a host registers one): the meter is then the container's.
            MeterFactory = provider.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            Store = stores.Remove(CachebackRuntimeOptions.DefaultName, out var defaultStore) ? defaultStore : null,
            Stores = stores,
            Queue = defaultQueue ?? new InProcessQueue(options.QueueCapacity),
            Queues = queues,
            DefaultPolicy = policy,
            Refresh = new RefreshPipelineOptions
            {
                MaxConcurrency = options.MaxConcurrentRefreshes,
                Timeout = options.RefreshFetchTimeout ?? policy.RefreshTimeout,
            },
            // With in-process queues only, requests come from this process's own registered jobs:
            // the worker can run at once, host or no host. A shared queue may hold requests for
            // jobs not registered yet, so then the hosted service starts it after registering them.
            RunRefreshes = options.RunRefreshWorker && queues.Values.Append(defaultQueue).All(q => q is null or InProcessQueue),
        });
    }

    /// <summary>Binds the "Cacheback" section when the container has a configuration.</summary>
    private sealed class BindFromConfiguration(IServiceProvider provider) : IConfigureOptions<CachebackOptions>
    {
        public void Configure(CachebackOptions options) =>
            provider.GetService<IConfiguration>()?.GetSection(CachebackOptions.SectionName).Bind(options);
    }
}
