namespace Cacheback;

/// <summary>
/// Cacheback's settings, bound from the configuration section <c>"Cacheback"</c> (names match the
/// properties, and the default <see cref="Policy"/>'s thresholds: <c>"Lifetime": "00:10:00"</c>, ...)
/// and then from the code given to <c>AddCacheback</c>.
/// Durations are .NET TimeSpans: <c>"00:00:20"</c> is 20 seconds, while a bare <c>"20"</c> means 20 days.
/// </summary>
/// <remarks>
/// Checked when the host starts (and whenever the options are first read): a bad value, a value
/// that is not of its setting's type, or a key that is no setting (a misspelt one would otherwise
/// be ignored) fails with one <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
/// naming each by its configuration key.
/// </remarks>
public sealed class CachebackOptions
{
    /// <summary>The configuration section read.</summary>
    public const string SectionName = "Cacheback";

    /// <summary>
    /// The policy of jobs that give none. From the configuration, each threshold is a key of its own,
    /// named as <see cref="Cacheback.Policy"/>'s property (<c>"Cacheback:Lifetime"</c>,
    /// <c>"Cacheback:CacheTtl"</c>, <c>"Cacheback:RefreshTimeout"</c>, <c>"Cacheback:FetchOnMiss"</c>,
    /// <c>"Cacheback:FetchOnStaleThreshold"</c>, <c>"Cacheback:EarlyRefreshBeta"</c>,
    /// <c>"Cacheback:LifetimeJitter"</c>), read onto this policy. In code, derive from it to keep what
    /// the configuration set: <c>o.Policy = o.Policy.With(fetchOnMiss: false)</c>.
    /// </summary>
    /// <value>Default <see cref="Policy.Default"/>.</value>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public Policy Policy
    {
        get => _policy;
        set => _policy = value ?? throw new ArgumentNullException(nameof(value), "The default policy cannot be null; Policy.Default is the default.");
    }

    private Policy _policy = Policy.Default;

    /// <summary>What the configuration's thresholds got wrong, when they made no policy (reported by the options' check, by key).</summary>
    internal IReadOnlyList<string> PolicyProblems { get; set; } = [];

    /// <summary>How many refreshes run at once, per queue.</summary>
    /// <value>Default 16. Between 1 and <see cref="PolicyLimits.MaxConcurrency"/> (1,024).</value>
    public int MaxConcurrentRefreshes { get; set; } = 16;

    /// <summary>
    /// Whether this process runs refreshes. False for a node that leaves them to worker processes.
    /// With in-process queues only, the worker starts with the runtime; with a shared queue (Redis),
    /// the hosted service starts it once the jobs are registered (without a host, call
    /// <c>runtime.Worker.Start()</c> after registering them).
    /// </summary>
    /// <value>Default true.</value>
    public bool RunRefreshWorker { get; set; } = true;

    /// <summary>Set by <c>AddCachebackWorker</c>: this process exists to run refreshes (not a setting of the configuration).</summary>
    internal bool IsWorkerProcess { get; set; }

    /// <summary>On shutdown, how long running refreshes may take to finish before they are cancelled and reported.</summary>
    /// <value>Default 30 seconds. At most <see cref="PolicyLimits.MaxTimerDuration"/> (about 49.7 days).</value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <c>SetAsync</c> and <c>RefreshAsync</c> read their write back and throw when it is missing (<c>CACHEBACK_VERIFY_CACHE_WRITE</c>); see <see cref="CachebackRuntimeOptions.VerifyCacheWrite"/>.</summary>
    /// <value>Default true.</value>
    public bool VerifyCacheWrite { get; set; } = true;

    /// <summary>How many refresh requests an in-process queue holds.</summary>
    /// <value>Default 10,000.</value>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Bounds of the in-memory stores made here: the default one (unless <see cref="Stores"/> gives
    /// it) and each of <see cref="StoreNames"/>, each store bounded on its own. Keys
    /// <c>MemoryStore:MaxEntries</c>, <c>MemoryStore:SweepInterval</c>, <c>MemoryStore:SweepBatchSize</c>.
    /// </summary>
    /// <value>Default: 100,000 entries per store, a sweep of expired entries every second, 50,000 entries looked at per sweep.</value>
    public MemoryStoreOptions MemoryStore { get; } = new();

    /// <summary>Names of extra in-memory stores (cache aliases) to create, besides "default".</summary>
    public IList<string> StoreNames { get; } = [];

    /// <summary>Names of extra in-process queues to create, besides "default".</summary>
    public IList<string> QueueNames { get; } = [];

    /// <summary>Stores given in code, by name (a Redis store, say); "default" replaces the default one.</summary>
    public IDictionary<string, ICacheStore> Stores { get; } = new Dictionary<string, ICacheStore>();

    /// <summary>Queues given in code, by name; "default" replaces the default one.</summary>
    public IDictionary<string, IRefreshQueue> Queues { get; } = new Dictionary<string, IRefreshQueue>();
}
