namespace Cacheback;

/// <summary>
/// Cacheback on Redis, as <c>AddCachebackRedis</c> builds it: bound from the configuration section
/// <c>"Cacheback:Redis"</c>, then from the code given to <c>AddCachebackRedis</c>, and checked when
/// the runtime is built.
/// </summary>
/// <remarks>
/// <code>
/// { "Cacheback": { "Redis": { "Configuration": "redis:6379,password=...", "KeyPrefix": "cacheback:shop:",
///                             "QueueOptions": { "VisibilityTimeout": "00:02:00" }, "UseL1": true } } }
/// </code>
/// <para>The section's own value is the connection string when it has no <c>Configuration</c>:
/// <c>--Cacheback:Redis=redis:6379</c> on a command line is <c>--Cacheback:Redis:Configuration=redis:6379</c>.
/// Giving both is an error, not a choice between them.</para>
/// </remarks>
public sealed class CachebackRedisOptions
{
    /// <summary>The configuration section read.</summary>
    public const string SectionName = "Cacheback:Redis";

    /// <summary>
    /// The StackExchange.Redis connection string: servers, password, TLS, database, timeouts
    /// (<c>redis.example:6380,password=secret,ssl=true,defaultDatabase=2</c>). Required. Unless it
    /// says <c>abortConnect=true</c>, a Redis that is down when the runtime is built is not an error:
    /// reads degrade to fetching until it is back.
    /// </summary>
    /// <value>Default none.</value>
    public string? Configuration { get; set; }

    /// <summary>
    /// The application's namespace in Redis: every cache key starts with it (<c>{KeyPrefix}{job}:{key}</c>),
    /// and so does the L1 invalidation channel. Required; readers and workers of one application
    /// use the same one. Queue keys have their own prefix (<see cref="RedisQueueOptions.KeyPrefix"/>).
    /// </summary>
    /// <value>Default none.</value>
    public string? KeyPrefix { get; set; }

    /// <summary>The runtime's name for the Redis store (a job's <c>StoreName</c>).</summary>
    /// <value>Default <c>"default"</c>: the store of every job that names none.</value>
    public string StoreName { get; set; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>
    /// The runtime's queues to create as <see cref="RedisRefreshQueue"/>s: by the runtime's queue
    /// name (a job's <c>QueueName</c>), the name of the queue in Redis (part of its keys; letters,
    /// digits, <c>-_.:</c>). Entries from the configuration are added to the default one
    /// (<c>"Queues": { "reports": "shop-reports" }</c>); to have no Redis queue at all, clear it in code.
    /// Runtime names are case-sensitive.
    /// </summary>
    /// <value>Default <c>{ "default": "default" }</c>.</value>
    public IDictionary<string, string> Queues { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { [CachebackRuntimeOptions.DefaultName] = CachebackRuntimeOptions.DefaultName };

    /// <summary>
    /// How often the runtime measures Redis's clock again (<see cref="RedisStore.ClockSyncInterval"/>):
    /// freshness is judged on Redis's clock, so that nodes whose own clocks disagree agree on it. It
    /// is also measured when the runtime is built and whenever the connection is restored.
    /// </summary>
    /// <value>Default 30 s; between 1 s and 1 h.</value>
    public TimeSpan ClockSyncInterval { get; set; } = StoreClockLimits.DefaultInterval;

    /// <summary>How every queue of <see cref="Queues"/> delivers requests.</summary>
    /// <remarks>Their clock (<see cref="RedisQueueOptions.TimeProvider"/>), unless set to another than
    /// <c>TimeProvider.System</c>, is the container's <see cref="TimeProvider"/> when it has one.</remarks>
    /// <value>Default <see cref="RedisQueueOptions"/>'s defaults.</value>
    public RedisQueueOptions QueueOptions { get; set; } = new();

    /// <summary>Whether an <see cref="L1Store"/> (memory in front of Redis, invalidated through pub/sub) is the runtime's store instead of the bare <see cref="RedisStore"/>.</summary>
    /// <value>Default false.</value>
    public bool UseL1 { get; set; }

    /// <summary>
    /// The bounds of the <see cref="L1Store"/> when <see cref="UseL1"/> is set. Its clock, left at
    /// <c>TimeProvider.System</c>, is the container's <see cref="TimeProvider"/> when it has one.
    /// </summary>
    /// <value>Default <see cref="L1Options"/>'s defaults.</value>
    public L1Options L1Options { get; set; } = new();
}
