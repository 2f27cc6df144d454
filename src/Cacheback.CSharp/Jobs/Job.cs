using Microsoft.Extensions.DependencyInjection;

namespace Cacheback;

/// <summary>
/// A cached read, defined by subclassing: override <see cref="Fetch"/> (the expensive work), and
/// any of the thresholds and hooks, which keep django-cacheback's names and meaning. Call
/// <see cref="GetAsync"/> to read through the cache.
/// </summary>
/// <remarks>
/// A job is registered under <see cref="Name"/> in its runtime when first used (or when the host
/// starts, with <c>AddCachebackJob</c>), so that refresh requests can find it by name. Its
/// policy is built from the threshold properties then, and a bad one fails there. Instances of
/// one job class share one registration, as django-cacheback jobs made anew for each call share
/// their cache: the first instance used does the fetching for refreshes requested by name.
/// <para>A job registered with <c>AddCachebackJob</c> may depend on scoped services (a repository
/// over a DbContext): each fetch, synchronous or in the background, runs on an instance resolved in
/// a DI scope of its own, disposed when the fetch ends. The thresholds and the other hooks are read
/// from the instance that registered the job, so they must not use scoped services.</para>
/// </remarks>
/// <typeparam name="TArgs">The fetch's arguments (a tuple or a record for several).</typeparam>
/// <typeparam name="TResult">The fetched value.</typeparam>
public abstract partial class Job<TArgs, TResult> : ICachebackJob, IContainerJob
{
    private readonly object _gate = new();
    private CachebackRuntime? _runtime;
    private Executor<TArgs, TResult>? _executor;
    private Func<TArgs, string>? _defaultKey;
    private Func<TArgs, CancellationToken, Task<TResult>>? _fetchInScope;

    /// <summary>The runtime the job runs in: the one it was attached to, or <see cref="CachebackRuntime.Default"/>.</summary>
    public CachebackRuntime Runtime => _runtime ?? CachebackRuntime.Default;

    /// <summary>The name the job is registered and stored under.</summary>
    /// <value>Default: the job class's name with its namespace (generic arguments by their names too, never an assembly version).</value>
    public virtual string Name => TypeNames.Readable(GetType());

    /// <summary>After this age an item is stale (django-cacheback's <c>lifetime</c>).</summary>
    /// <value>Default: the runtime's default policy (600 s unless configured).</value>
    public virtual TimeSpan Lifetime => Runtime.Options.DefaultPolicy.Lifetime;

    /// <summary>After a refresh is triggered, no other is for this long (<c>refresh_timeout</c>).</summary>
    /// <value>Default: the runtime's default policy (60 s unless configured).</value>
    public virtual TimeSpan RefreshTimeout => Runtime.Options.DefaultPolicy.RefreshTimeout;

    /// <summary>How long the store keeps an item (<c>cache_ttl</c>).</summary>
    /// <value>Default: the runtime's default policy (30 days unless configured).</value>
    public virtual TimeSpan CacheTtl => Runtime.Options.DefaultPolicy.CacheTtl;

    /// <summary>Whether a miss fetches synchronously (<c>fetch_on_miss</c>).</summary>
    /// <value>Default: the runtime's default policy (true unless configured).</value>
    public virtual bool FetchOnMiss => Runtime.Options.DefaultPolicy.FetchOnMiss;

    /// <summary>Data older than this is fetched synchronously instead of served stale (<c>fetch_on_stale_threshold</c>).</summary>
    /// <value>Default: the runtime's default policy (none unless configured).</value>
    public virtual TimeSpan? FetchOnStaleThreshold => Runtime.Options.DefaultPolicy.FetchOnStaleThreshold;

    /// <summary>The runtime's store to use (<c>cache_alias</c>).</summary>
    /// <value>Default <c>"default"</c>.</value>
    public virtual string StoreName => CachebackRuntimeOptions.DefaultName;

    /// <summary>The runtime's queue its refreshes go to (<c>task_options</c>' queue).</summary>
    /// <value>Default <c>"default"</c>.</value>
    public virtual string QueueName => CachebackRuntimeOptions.DefaultName;

    /// <summary>The policy the thresholds make (reading it does not register the job).</summary>
    /// <exception cref="PolicyValidationException">The thresholds are invalid.</exception>
    public Policy Policy => Volatile.Read(ref _executor)?.Policy ?? Policy.Create(Lifetime, CacheTtl, RefreshTimeout, FetchOnMiss, FetchOnStaleThreshold);

    /// <summary>How values are encoded for stores that keep bytes.</summary>
    /// <value>Default: MessagePack (<see cref="MessagePackPayloadSerializer{T}.Default"/>); <see cref="JsonPayloadSerializer{T}"/> for JSON.</value>
    protected virtual IPayloadSerializer<TResult> ValueSerializer => MessagePackPayloadSerializer<TResult>.Default;

    /// <summary>How arguments travel in refresh requests; null for JSON (checked when the job is registered).</summary>
    /// <value>Default: null.</value>
    protected virtual IPayloadSerializer<TArgs>? ArgumentSerializer => null;

    /// <summary>
    /// The tags of a call's arguments: override to tag the job's entries, then
    /// <see cref="InvalidateByTagAsync"/> (or the runtime's) reaches every entry carrying a tag, on
    /// every node, without a scan. Asked on every read of a tagged job; an untagged job (this is not
    /// overridden) never looks at tags.
    /// </summary>
    /// <param name="args">The call's arguments.</param>
    /// <returns>The tags; null or empty for none.</returns>
    protected virtual IEnumerable<string>? Tags(TArgs args) => null;

    /// <summary>Whether this job class overrides <see cref="Tags"/>.</summary>
    private bool DeclaresTags =>
        GetType().GetMethod(nameof(Tags), System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [typeof(TArgs)]) is { } method
        && method.DeclaringType != typeof(Job<TArgs, TResult>);

    internal Executor<TArgs, TResult> Executor
    {
        get
        {
            if (Volatile.Read(ref _executor) is { } ready)
                return ready;
            lock (_gate)
                return _executor ??= Runtime.ExecutorFor(Name, GetType(), CreateExecutor);
        }
    }

    /// <summary>Runs the job in <paramref name="runtime"/> instead of the default one; before its first use.</summary>
    /// <exception cref="InvalidOperationException">The job was already used.</exception>
    public void AttachTo(CachebackRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        lock (_gate)
        {
            if (_executor is not null && !ReferenceEquals(_runtime ?? CachebackRuntime.Default, runtime))
                throw new InvalidOperationException($"Job '{Name}' is already registered in another runtime; attach it before its first use.");
            _runtime = runtime;
        }
    }

    void IContainerJob.AttachTo(CachebackRuntime runtime, IServiceScopeFactory scopes, Type service)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(service);
        AttachTo(runtime);
        lock (_gate)
            _fetchInScope ??= (args, cancellationToken) => FetchInScopeAsync(scopes, service, args, cancellationToken);
    }

    /// <summary>Registers the job in its runtime now (it otherwise happens on first use), so refresh requests can find it.</summary>
    /// <exception cref="PolicyValidationException">The thresholds are invalid.</exception>
    /// <exception cref="ArgumentException">The name is taken, or the arguments cannot travel in a refresh request.</exception>
    public void Register() => _ = Executor;

    /// <summary>One fetch on the job resolved in a scope of its own: scoped dependencies are new for it, and disposed after it.</summary>
    private static async Task<TResult> FetchInScopeAsync(IServiceScopeFactory scopes, Type service, TArgs args, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var job = (Job<TArgs, TResult>)scope.ServiceProvider.GetRequiredService(service);
            return await job.Fetch(args, cancellationToken).ConfigureAwait(false);
        }
    }

    private Executor<TArgs, TResult> CreateExecutor()
    {
        var argumentSerializer = ArgumentSerializer;
        if (argumentSerializer is null)
            ArgumentCheck.EnsureRoundTrips<TArgs>();
        var policy = Policy;
        var spec = new JobSpec<TArgs, TResult>(
            Name,
            _fetchInScope ?? Fetch,
            policy,
            Key,
            Empty,
            ValueSerializer,
            argumentSerializer ?? new JsonPayloadSerializer<TArgs>(KeyEncoding.Canonical))
        {
            Hooks = new HookAdapter(this),
            StoreName = StoreName,
            QueueName = QueueName,
            Tags = DeclaresTags ? Tags : null,
        };
        return new Executor<TArgs, TResult>(Runtime, spec);
    }

    /// <summary>Django-cacheback's overridable methods, seen by the executor.</summary>
    private sealed class HookAdapter(Job<TArgs, TResult> job) : IJobHooks<TArgs>
    {
        public bool ShouldFetchOnMiss(TArgs args) => job.ShouldMissingItemBeFetchedSynchronously(args);

        public bool ShouldFetchStale(TArgs args, TimeSpan delta) => job.ShouldStaleItemBeFetchedSynchronously(delta, args);

        public DateTimeOffset Expiry(TArgs args, DateTimeOffset now) => job.Expiry(args, now);

        public DateTimeOffset Timeout(TArgs args, DateTimeOffset now) => job.Timeout(args, now);
    }
}
