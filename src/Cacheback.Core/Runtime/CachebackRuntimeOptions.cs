using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>How a <see cref="CachebackRuntime"/> is put together. Every part has an embedded default.</summary>
public sealed record CachebackRuntimeOptions
{
    /// <summary>The name of the default store and the default queue.</summary>
    public const string DefaultName = "default";

    /// <summary>Where time comes from: freshness, and the refresh pipeline's timeouts, the worker's backoff and its drain.</summary>
    /// <value>Default <c>TimeProvider.System</c>; a test clock in tests.</value>
    public TimeProvider TimeProvider { get; init; } = Clock.System;

    /// <summary>Where envelopes live.</summary>
    /// <value>Default: a new <see cref="T:Cacheback.MemoryStore"/>, bounded by <see cref="MemoryStore"/>.</value>
    public ICacheStore? Store { get; init; }

    /// <summary>The bounds of the memory store made when <see cref="Store"/> is not given.</summary>
    /// <value>Default: <see cref="MemoryStoreOptions"/>' defaults (100,000 entries, a sweep every second).</value>
    public MemoryStoreOptions MemoryStore { get; init; } = new();

    /// <summary>Stores besides the default one, by name (django-cacheback's cache aliases); a job picks one by name.</summary>
    /// <value>Default: none.</value>
    public IReadOnlyDictionary<string, ICacheStore> Stores { get; init; } = new Dictionary<string, ICacheStore>();

    /// <summary>Where refresh requests go.</summary>
    /// <value>Default: a new <see cref="InProcessQueue"/>.</value>
    public IRefreshQueue? Queue { get; init; }

    /// <summary>Queues besides the default one, by name (django-cacheback's task queues); a job picks one by name. The worker drains them all.</summary>
    /// <value>Default: none.</value>
    public IReadOnlyDictionary<string, IRefreshQueue> Queues { get; init; } = new Dictionary<string, IRefreshQueue>();

    /// <summary>The policy of jobs that do not give their own.</summary>
    /// <value>Default <see cref="Policy.Default"/>.</value>
    public Policy DefaultPolicy { get; init; } = Policy.Default;

    /// <summary>Where log lines go; categories are <c>Cacheback.Job.{name}</c> and <c>Cacheback.Refresh</c>.</summary>
    /// <value>Default: nowhere.</value>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Makes the runtime's meter ("Cacheback"); <c>AddCacheback</c> gives the host's, which then owns
    /// the meter. Without one the runtime makes its own meter, and disposes it with itself.
    /// </summary>
    /// <value>Default: none (a meter of the runtime's own).</value>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Concurrency and timeout of the refresh pipeline.</summary>
    public RefreshPipelineOptions Refresh { get; init; } = new();

    /// <summary>How many refreshes may wait in the runtime's local lane (see <see cref="LocalLane"/>); more are refused and dropped.</summary>
    internal int LocalLaneCapacity { get; init; } = LocalLane.DefaultCapacity;

    /// <summary>
    /// Whether the refresh worker starts with the runtime. False for a node that only reads and
    /// leaves refreshing to worker processes on a shared queue, or when a host starts it
    /// (<see cref="CachebackRuntime.Worker"/>). Either way the runtime runs the refreshes that must
    /// run in this process (a job's whose queue refused it, a HybridCache factory's) through its
    /// refresh pipeline.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RunRefreshWorker { get; init; } = true;

    /// <summary>
    /// Whether this is a host's runtime (<c>AddCacheback</c> sets it): while it lives, jobs made on
    /// <see cref="CachebackRuntime.Default"/> (before it, in a static field, or after it) are reported to its log
    /// as warnings, since they would be a second cache beside the app's.
    /// </summary>
    /// <value>Default false.</value>
    public bool IsHosted { get; init; }

    /// <summary>
    /// Whether <c>SetAsync</c> and <c>RefreshAsync</c> read their write back and throw
    /// <see cref="CacheWriteNotVerifiedException"/> when it is not there (django-cacheback's
    /// <c>CACHEBACK_VERIFY_CACHE_WRITE</c>): a store that is full or misconfigured may drop writes
    /// silently. Reads never verify: their write-back is best effort and they serve the value anyway.
    /// </summary>
    /// <value>Default <see langword="true"/>, as in django-cacheback. The cost is one store read per explicit write.</value>
    public bool VerifyCacheWrite { get; init; } = true;

    /// <summary>
    /// Where the random draws of <see cref="Policy.EarlyRefreshBeta"/> and <see cref="Policy.LifetimeJitter"/>
    /// come from (read only when a policy turns them on). Called from many threads at once.
    /// </summary>
    /// <value>Default <see cref="System.Random.Shared"/>; a seeded source in tests.</value>
    public Random Random { get; init; } = Random.Shared;
}
