using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>Registers Cacheback on Redis in a service collection.</summary>
public static class CachebackRedisServiceCollectionExtensions
{
    /// <summary>
    /// Adds Cacheback (<c>AddCacheback()</c>) with a Redis store and Redis refresh queues in its
    /// runtime, configured by <see cref="CachebackRedisOptions"/> (bound from the
    /// <c>"Cacheback:Redis"</c> configuration section, then <paramref name="configure"/>).
    /// </summary>
    /// <remarks>
    /// <para>When the runtime is built (or <see cref="CachebackRedis"/> or <see cref="RedisStore"/>
    /// is first resolved), the options are checked, and bad ones fail with an
    /// <see cref="OptionsValidationException"/> naming each; then one connection is opened with
    /// <see cref="RedisStore.Connect(string, string)"/>, which blocks until it connects or its <c>connectTimeout</c>
    /// passes. The store (or an <see cref="L1Store"/> in front of it) becomes the runtime's store
    /// named <see cref="CachebackRedisOptions.StoreName"/>, and each queue of
    /// <see cref="CachebackRedisOptions.Queues"/> its queue of that name, logging under
    /// <c>Cacheback.Redis.Queue</c>. Disposing the container closes the connection.</para>
    /// <para>Services: <see cref="CachebackRedis"/> (the connection, store, queues, L1) and
    /// <see cref="RedisStore"/>. No <c>IConnectionMultiplexer</c> is registered, so that an
    /// application's own stays its own; use <see cref="CachebackRedis.Connection"/>.</para>
    /// <para>Calling it again adds <paramref name="configure"/> to the configuration; the rest is added once.</para>
    /// </remarks>
    public static IServiceCollection AddCachebackRedis(this IServiceCollection services, Action<CachebackRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddCacheback();
        // "Cacheback:Redis" is checked here, key by key, not by AddCacheback's check of "Cacheback".
        services.Configure<CachebackSections>(sections => sections.Owned.Add(RedisSection));
        // Checked on start without a ValidateOnStart of their own: AddCacheback's options need the
        // Redis store, so their check at start reads these first, and a bad one fails the start once
        // (a second check would report each problem twice, in an AggregateException).
        services.AddOptions<CachebackRedisOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CachebackRedisOptions>, BindFromConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CachebackRedisOptions>, CachebackRedisOptionsValidator>());
        if (configure is not null)
            services.Configure(configure);
        if (services.Any(d => d.ServiceType == typeof(CachebackRedis)))
            return services; // added before: only the configuration above adds up
        // The store owns the connection; made first, it is disposed last, after the runtime and the queues.
        services.AddSingleton(Connect);
        services.AddSingleton(Build);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CachebackOptions>, UseRedis>());
        return services;
    }

    /// <summary>The name of <see cref="CachebackRedisOptions.SectionName"/> within the "Cacheback" section.</summary>
    private const string RedisSection = "Redis";

    private static RedisStore Connect(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<CachebackRedisOptions>>().Value;
        var store = RedisStore.Connect(options.Configuration!, options.KeyPrefix!);
        store.ClockSyncInterval = options.ClockSyncInterval;
        return store;
    }

    private static CachebackRedis Build(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<CachebackRedisOptions>>().Value;
        var store = provider.GetRequiredService<RedisStore>();
        var loggers = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var queues = new Dictionary<string, RedisRefreshQueue>(StringComparer.Ordinal);
        try
        {
            var logger = loggers.CreateLogger("Cacheback.Redis.Queue");
            var queueOptions = OnContainerClock(provider, options.QueueOptions);
            foreach (var (name, redisName) in options.Queues)
                queues[name] = Queue(store, name, redisName, queueOptions, logger);
            var l1 = options.UseL1 ? new L1Store(store, OnContainerClock(provider, options.L1Options), loggers.CreateLogger("Cacheback.Redis.L1")) : null;
            return new CachebackRedis(store, l1, queues);
        }
        catch
        {
            foreach (var queue in queues.Values)
                queue.Dispose();
            throw;
        }
    }

    private static RedisRefreshQueue Queue(RedisStore store, string name, string redisName, RedisQueueOptions options, ILogger logger)
    {
        try
        {
            return new RedisRefreshQueue(store.Connection, redisName, options, logger);
        }
        catch (ArgumentException e) when (e.ParamName == "name")
        {
            // The queue knows which names Redis keys and channels take; say which option held this one.
            throw new OptionsValidationException(
                Options.DefaultName,
                typeof(CachebackRedisOptions),
                [$"{CachebackRedisOptions.SectionName}:Queues:{name}: {e.Message.ReplaceLineEndings(" ")}"]);
        }
    }

    /// <summary>The queue options, on the container's clock unless they name one of their own.</summary>
    private static RedisQueueOptions OnContainerClock(IServiceProvider provider, RedisQueueOptions options) =>
        options.TimeProvider == Clock.System && provider.GetService<TimeProvider>() is { } time
            ? options with { TimeProvider = time }
            : options;

    /// <summary>The L1 options, on the container's clock unless they name one of their own.</summary>
    private static L1Options OnContainerClock(IServiceProvider provider, L1Options options) =>
        options.TimeProvider == Clock.System && provider.GetService<TimeProvider>() is { } time
            ? options with { TimeProvider = time }
            : options;

    /// <summary>Binds the "Cacheback:Redis" section when the container has a configuration.</summary>
    private sealed class BindFromConfiguration(IServiceProvider provider) : IConfigureOptions<CachebackRedisOptions>
    {
        public void Configure(CachebackRedisOptions options)
        {
            if (provider.GetService<IConfiguration>()?.GetSection(CachebackRedisOptions.SectionName) is not { } section)
                return;
            OptionsBinding.Bind(section, options);
            // "Cacheback:Redis": "<connection string>"; next to a Configuration, the validator refuses it.
            if (section.Value is { } connectionString && section[nameof(CachebackRedisOptions.Configuration)] is null)
                options.Configuration = connectionString;
        }
    }

    /// <summary>Puts the Redis store and queues into the runtime's options, after the "Cacheback" section and before later code.</summary>
    private sealed class UseRedis(IServiceProvider provider) : IConfigureOptions<CachebackOptions>
    {
        public void Configure(CachebackOptions options)
        {
            var redis = provider.GetRequiredService<CachebackRedis>();
            options.Stores[provider.GetRequiredService<IOptions<CachebackRedisOptions>>().Value.StoreName] = (ICacheStore?)redis.L1 ?? redis.Store;
            foreach (var (name, queue) in redis.Queues)
                options.Queues[name] = queue;
        }
    }
}
