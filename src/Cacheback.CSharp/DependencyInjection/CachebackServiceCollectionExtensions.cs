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
    /// Adds a <see cref="CachebackRuntime"/> (a singleton: the app's stores, queues, logging and
    /// default policy), its options (bound from the <c>"Cacheback"</c> configuration section, then
    /// <paramref name="configure"/>, checked when the host starts), and the hosted refresh worker.
    /// </summary>
    /// <remarks>
    /// Cached functions and jobs of the app are made on this runtime: <see cref="CachedFetchServiceCollectionExtensions.AddCachedFetch{TArgs, TResult}"/>,
    /// <see cref="AddCachebackJob{TJob}(IServiceCollection, ServiceLifetime)"/>, or <c>Wrap</c> on the
    /// runtime resolved from the services. While it lives, a job made on <see cref="CachebackRuntime.Default"/>
    /// (<c>Cache.Wrap</c> without a runtime) is logged as a warning: it would be a second cache.
    /// Calling it again adds <paramref name="configure"/> to the configuration; the rest is added once.
    /// </remarks>
    public static IServiceCollection AddCacheback(this IServiceCollection services, Action<CachebackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CachebackOptions>().ValidateOnStart();
        services.AddOptions<CachebackSections>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CachebackOptions>, BindFromConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CachebackOptions>, CachebackOptionsValidator>());
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
    /// Makes this process a refresh worker for the app's own jobs: <see cref="AddCacheback"/> with
    /// <see cref="CachebackOptions.RunRefreshWorker"/> on, whatever the configuration says (a web
    /// node's settings may turn it off). Register the same jobs as the web nodes
    /// (<c>AddCachebackRedis</c>, <c>AddCachebackJob</c>, <c>AddCachedFetch</c>); when the host
    /// starts they are registered by name and the worker drains the shared queue, until the host
    /// stops, when it drains what it holds within <see cref="CachebackOptions.DrainTimeout"/>.
    /// </summary>
    /// <remarks>
    /// <code>
    /// var builder = Host.CreateApplicationBuilder(args);
    /// builder.Services.AddShopCaching();        // the app's registrations, shared with the web node
    /// builder.Services.AddCachebackWorker();
    /// builder.Build().Run();
    /// </code>
    /// At start it logs the jobs it runs, and warns when there are none, or when every queue is
    /// in-process (then no other process can reach this worker).
    /// </remarks>
    public static IServiceCollection AddCachebackWorker(this IServiceCollection services, Action<CachebackOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddCacheback(configure);
        services.PostConfigure<CachebackOptions>(options => (options.RunRefreshWorker, options.IsWorkerProcess) = (true, true));
        return services;
    }

    /// <summary>
    /// Adds the job <typeparamref name="TJob"/>, made with its constructor's services, in the
    /// Cacheback runtime; it is registered by name when the host starts, so refresh requests
    /// naming it find it, in this process or in a worker that registers it too.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="lifetime">
    /// How long an instance that consumers resolve lives. Default <see cref="ServiceLifetime.Scoped"/>,
    /// so that the job may depend on scoped services (a repository over a DbContext). Whatever the
    /// lifetime, each fetch runs on the job resolved in a DI scope of its own, disposed after it:
    /// a fetch is shared by concurrent callers and outlives any one request. Use
    /// <see cref="ServiceLifetime.Singleton"/> for a job that keeps state between fetches.
    /// </param>
    public static IServiceCollection AddCachebackJob<TJob>(this IServiceCollection services, ServiceLifetime lifetime = ServiceLifetime.Scoped)
        where TJob : class, ICachebackJob =>
        services.AddCachebackJob(provider => ActivatorUtilities.CreateInstance<TJob>(provider), lifetime);

    /// <summary>
    /// Adds the job <typeparamref name="TJob"/>, made by <paramref name="factory"/>, in the Cacheback
    /// runtime; it is registered by name when the host starts. See
    /// <see cref="AddCachebackJob{TJob}(IServiceCollection, ServiceLifetime)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="factory">Makes an instance from the services of its scope.</param>
    /// <param name="lifetime">How long an instance lives (default <see cref="ServiceLifetime.Scoped"/>); each fetch runs in a scope of its own.</param>
    public static IServiceCollection AddCachebackJob<TJob>(this IServiceCollection services, Func<IServiceProvider, TJob> factory, ServiceLifetime lifetime = ServiceLifetime.Scoped)
        where TJob : class, ICachebackJob
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(factory);
        services.AddCacheback();
        // Not TryAdd: a TJob registered before would otherwise run, unattached, in the default runtime.
        services.Add(new ServiceDescriptor(typeof(TJob), provider =>
        {
            var job = factory(provider);
            var runtime = provider.GetRequiredService<CachebackRuntime>();
            if (job is IContainerJob contained)
                contained.AttachTo(runtime, provider.GetRequiredService<IServiceScopeFactory>(), typeof(TJob));
            else
                job.AttachTo(runtime);
            return job;
        }, lifetime));
        services.Add(new ServiceDescriptor(typeof(ICachebackJob), provider => provider.GetRequiredService<TJob>(), lifetime));
        return services;
    }

    private static CachebackRuntime CreateRuntime(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<CachebackOptions>>().Value;
        var time = provider.GetService<TimeProvider>() ?? new CachebackRuntimeOptions().TimeProvider;
        var policy = options.Policy;
        // Names may come from the configuration and from code alike; a store given in code wins.
        var stores = new Dictionary<string, ICacheStore>(StringComparer.Ordinal);
        foreach (var name in options.StoreNames)
            stores[name] = new MemoryStore(options.MemoryStore, time);
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
            MemoryStore = options.MemoryStore,
            Queue = defaultQueue ?? new InProcessQueue(options.QueueCapacity),
            Queues = queues,
            DefaultPolicy = policy,
            VerifyCacheWrite = options.VerifyCacheWrite,
            Refresh = new RefreshPipelineOptions
            {
                MaxConcurrency = options.MaxConcurrentRefreshes,
                // Every job the registry runs times its refreshes itself (its policy's RefreshTimeout, a
                // HybridCache's RefreshTimeout): the pipeline's own timeout only bounds a request of an
                // unregistered job, which ends at once. No setting of its own, then: the default policy's.
                Timeout = policy.RefreshTimeout,
            },
            // With in-process queues only, requests come from this process's own registered jobs:
            // the worker can run at once, host or no host. A shared queue may hold requests for
            // jobs not registered yet, so then the hosted service starts it after registering them.
            RunRefreshWorker = options.RunRefreshWorker && queues.Values.Append(defaultQueue).All(q => q is null or InProcessQueue),
            IsHosted = true,
        });
    }

    /// <summary>
    /// Binds the "Cacheback" section when the container has a configuration, and reads its thresholds
    /// onto the default policy; a value of the wrong type, or thresholds that make no policy, fail
    /// like any bad setting (by key, when the options are checked).
    /// </summary>
    private sealed class BindFromConfiguration(IServiceProvider provider, IOptions<CachebackSections> sections) : IConfigureOptions<CachebackOptions>
    {
        public void Configure(CachebackOptions options)
        {
            if (provider.GetService<IConfiguration>()?.GetSection(CachebackOptions.SectionName) is not { } section)
                return;
            OptionsBinding.Bind(section, options, sections.Value.Owned, PolicySettings.Keys);
            try
            {
                options.Policy = PolicySettings.Apply(section, options.Policy);
            }
            catch (PolicyValidationException e)
            {
                options.PolicyProblems = e.Errors;
            }
        }
    }
}
