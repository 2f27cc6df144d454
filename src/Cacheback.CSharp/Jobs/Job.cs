using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback;

/// <summary>
/// A cached read, defined by subclassing: override <see cref="Fetch"/> (the expensive work), and
/// any of the hooks, which keep django-cacheback's names and meaning. Call <see cref="GetAsync"/> to
/// read through the cache. The class is a way to write a <see cref="JobDefinition{TArgs, TResult}"/>
/// (<see cref="ToDefinition"/>): what it overrides becomes the definition's hooks, and it runs as
/// <c>Cache.Wrap</c> runs any definition.
/// </summary>
/// <remarks>
/// A job is registered under <see cref="Name"/> in its runtime when first used (or when the host
/// starts, with <c>AddCachebackJob</c>), so that refresh requests can find it by name. Its
/// <see cref="Policy"/> is read then. Instances of one job class share one registration, as
/// django-cacheback jobs made anew for each call share their cache: the first instance used does
/// the fetching for refreshes requested by name.
/// <para>A job registered with <c>AddCachebackJob</c> may depend on scoped services (a repository
/// over a DbContext): each fetch, synchronous or in the background, runs on an instance resolved in
/// a DI scope of its own, disposed when the fetch ends. The policy and the other hooks are read
/// from the instance that registered the job, so they must not use scoped services.</para>
/// </remarks>
/// <typeparam name="TArgs">The fetch's arguments (a tuple or a record for several).</typeparam>
/// <typeparam name="TResult">The fetched value.</typeparam>
public abstract class Job<TArgs, TResult> : ICachebackJob, IContainerJob
{
    private readonly object _gate = new();
    private CachebackRuntime? _runtime;
    private CachedFetch<TArgs, TResult>? _cached;
    private Func<TArgs, string>? _defaultKey;
    private Func<TArgs, CancellationToken, Task<TResult>>? _fetchInScope;

    /// <summary>The runtime the job runs in: the one it was attached to, or <see cref="CachebackRuntime.Default"/>.</summary>
    public CachebackRuntime Runtime => _runtime ?? CachebackRuntime.Default;

    /// <summary>The name the job is registered and stored under.</summary>
    /// <value>Default: the job class's name with its namespace (generic arguments by their names too, never an assembly version).</value>
    public virtual string Name => TypeNames.Readable(GetType());

    /// <summary>
    /// The thresholds (django-cacheback's <c>lifetime</c>, <c>cache_ttl</c>, <c>refresh_timeout</c>,
    /// <c>fetch_on_miss</c>, <c>fetch_on_stale_threshold</c>): override with
    /// <c>Runtime.Options.DefaultPolicy.With(lifetime: ...)</c> or <c>Policy.Create(...)</c>.
    /// Read when the job is registered, and by the default hooks.
    /// </summary>
    /// <value>Default: the runtime's default policy.</value>
    public virtual Policy Policy => Runtime.Options.DefaultPolicy;

    /// <summary>The runtime's store to use (<c>cache_alias</c>).</summary>
    /// <value>Default <c>"default"</c>.</value>
    public virtual string StoreName => CachebackRuntimeOptions.DefaultName;

    /// <summary>The runtime's queue its refreshes go to (<c>task_options</c>' queue).</summary>
    /// <value>Default <c>"default"</c>.</value>
    public virtual string QueueName => CachebackRuntimeOptions.DefaultName;

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

    /// <summary>
    /// The definition this job's members make: its name, policy, store, queue and serializers, and
    /// each hook it overrides as a function (a hook not overridden is left out, so the cache takes
    /// its shortest path for it). A job registered with <c>AddCachebackJob</c> fetches in a scope of its own.
    /// </summary>
    /// <exception cref="PolicyValidationException"><see cref="Policy"/> could not be built.</exception>
    public JobDefinition<TArgs, TResult> ToDefinition() =>
        new(_fetchInScope ?? Fetch)
        {
            Name = Name,
            Policy = Policy,
            Key = Overrides(nameof(Key), typeof(TArgs)) ? Key : null,
            Empty = Overrides(nameof(Empty)) ? Empty : null,
            ValueSerializer = ValueSerializer,
            ArgumentSerializer = ArgumentSerializer,
            StoreName = StoreName,
            QueueName = QueueName,
            Tags = Overrides(nameof(Tags), typeof(TArgs)) ? Tags : null,
            ShouldFetchOnMiss = Overrides(nameof(ShouldMissingItemBeFetchedSynchronously), typeof(TArgs)) ? ShouldMissingItemBeFetchedSynchronously : null,
            ShouldFetchStale = Overrides(nameof(ShouldStaleItemBeFetchedSynchronously), typeof(TimeSpan), typeof(TArgs))
                ? (args, delta) => ShouldStaleItemBeFetchedSynchronously(delta, args)
                : null,
            Expiry = Overrides(nameof(Expiry), typeof(TArgs), typeof(DateTimeOffset)) ? Expiry : null,
            Timeout = Overrides(nameof(Timeout), typeof(TArgs), typeof(DateTimeOffset)) ? Timeout : null,
            ProcessResult = Overrides(nameof(ProcessResult), typeof(TResult), typeof(TArgs), typeof(CacheStatus), typeof(bool?)) ? ProcessResult : null,
        };

    /// <summary>Whether this job class overrides the hook <paramref name="method"/> (of those parameter types).</summary>
    private bool Overrides(string method, params Type[] parameters) =>
        GetType().GetMethod(method, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, parameters) is { } found
        && found.DeclaringType != typeof(Job<TArgs, TResult>);

    /// <summary>The cached fetch the job runs as: registered on first use, shared by the instances of the job class.</summary>
    internal CachedFetch<TArgs, TResult> Cached
    {
        get
        {
            if (Volatile.Read(ref _cached) is { } ready)
                return ready;
            lock (_gate)
            {
                if (_cached is null)
                    Volatile.Write(ref _cached, JobInstances.For(Runtime, Name, GetType(), () => Cache.Wrap(ToDefinition(), Runtime)));
                return _cached;
            }
        }
    }

    /// <summary>Runs the job in <paramref name="runtime"/> instead of the default one; before its first use.</summary>
    /// <exception cref="InvalidOperationException">The job was already used.</exception>
    public void AttachTo(CachebackRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        lock (_gate)
        {
            if (_cached is not null && !ReferenceEquals(_runtime ?? CachebackRuntime.Default, runtime))
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
    /// <exception cref="PolicyValidationException">The policy is invalid.</exception>
    /// <exception cref="ArgumentException">The name is taken, or the arguments cannot travel in a refresh request.</exception>
    public void Register() => _ = Cached;

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

    // The methods a job overrides to shape its caching (django-cacheback's names). Each one overridden
    // becomes the matching hook function of ToDefinition; one left alone is not asked at all.

    /// <summary>The expensive read: the only method a job must override.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Cancelled when the fetch outlasts the policy's refresh timeout, or by the caller of <see cref="RefreshAsync"/>; never by a caller of <see cref="GetAsync"/>, whose fetch others may share.</param>
    protected abstract Task<TResult> Fetch(TArgs args, CancellationToken cancellationToken);

    /// <summary>The cache key of <paramref name="args"/> within this job.</summary>
    /// <remarks>Default: a string is its own key, scalars their invariant text, anything else the SHA-256 of its canonical JSON.</remarks>
    /// <exception cref="ArgumentException">The arguments cannot be encoded.</exception>
    public virtual string Key(TArgs args) => (_defaultKey ??= KeyEncoding.For<TArgs>())(args);

    /// <summary>Until when a value fetched at <paramref name="now"/> is fresh.</summary>
    /// <remarks>Default: <paramref name="now"/> + the policy's lifetime. What an override returns is
    /// brought into [<paramref name="now"/>, <paramref name="now"/> + the cache TTL]: a time
    /// already past means stale at once, one past the TTL means fresh for as long as the item is kept.</remarks>
    public virtual DateTimeOffset Expiry(TArgs args, DateTimeOffset now) => Decide.DefaultExpiry(now, Policy);

    /// <summary>Until when a refresh triggered at <paramref name="now"/> holds its lease.</summary>
    /// <remarks>Default: <paramref name="now"/> + the policy's refresh timeout. What an override returns is
    /// brought into [<paramref name="now"/>, <paramref name="now"/> + the cache TTL], as for <see cref="Expiry"/>.</remarks>
    public virtual DateTimeOffset Timeout(TArgs args, DateTimeOffset now) => Decide.DefaultTimeout(now, Policy);

    /// <summary>What a miss returns when it does not fetch.</summary>
    /// <remarks>Default: <c>default</c>.</remarks>
    public virtual TResult Empty() => default!;

    /// <summary>Whether a miss for <paramref name="args"/> fetches now.</summary>
    /// <remarks>Default: the policy's <see cref="Policy.FetchOnMiss"/>.</remarks>
    public virtual bool ShouldMissingItemBeFetchedSynchronously(TArgs args) => Policy.FetchOnMiss;

    /// <summary>Whether a stale item is fetched now instead of served.</summary>
    /// <param name="delta">How far past its lifetime the data is: its age (since it was fetched) minus the policy's lifetime. An invalidation does not change it.</param>
    /// <param name="args">The arguments.</param>
    /// <remarks>Default: when the policy's <see cref="Policy.FetchOnStaleThreshold"/> is set and the data is older than it (delta &gt; threshold - lifetime).</remarks>
    public virtual bool ShouldStaleItemBeFetchedSynchronously(TimeSpan delta, TArgs args) => Decide.DefaultFetchStale(delta, Policy);

    /// <summary>Shapes what <see cref="GetAsync"/> returns, knowing how it was obtained.</summary>
    /// <param name="result">The value.</param>
    /// <param name="call">The arguments of the call.</param>
    /// <param name="status">Hit, stale or miss.</param>
    /// <param name="syncFetch">True if this call fetched, false if it left the fetch to the background, null if none was needed.</param>
    /// <remarks>Default: <paramref name="result"/> unchanged.</remarks>
    public virtual TResult ProcessResult(TResult result, TArgs call, CacheStatus status, bool? syncFetch) => result;

    // What client code calls on a job.

    /// <summary>
    /// The cached value, through <see cref="ProcessResult"/> if overridden: fresh, or stale while one refresh
    /// runs in the background, or fetched now on a miss (one fetch shared by concurrent callers).
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Stops this caller waiting; never cancels a fetch others share.</param>
    /// <exception cref="OperationCanceledException">The caller cancelled (with the caller's token).</exception>
    /// <exception cref="TimeoutException">A fetch made for this read ran longer than the refresh timeout; the message names the job, the key and the timeout.</exception>
    /// <remarks>A hit takes the same path as <c>Cache.Wrap</c>'s: <see cref="ProcessResult"/>, when overridden, is the only step added.</remarks>
    public ValueTask<TResult> GetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.GetAsync(args, cancellationToken);

    /// <summary>Stores <paramref name="value"/> for <paramref name="args"/>, fresh until <see cref="Expiry"/>.</summary>
    public Task SetAsync(TArgs args, TResult value, CancellationToken cancellationToken = default) =>
        Cached.SetAsync(args, value, cancellationToken);

    /// <summary>Removes the item; whether one was there.</summary>
    public Task<bool> DeleteAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.DeleteAsync(args, cancellationToken);

    /// <summary>
    /// Marks every entry tagged <paramref name="tag"/> (<c>"*"</c>: every tagged entry) stale, in every
    /// tagged job and HybridCache on this job's store, on every node and in every L1: each is served
    /// while one refresh of it runs; a fetch, refresh or set in flight now never lands as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask InvalidateByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        Cached.InvalidateByTagAsync(tag, cancellationToken);

    /// <summary>As <see cref="InvalidateByTagAsync"/>, but the entries are removed: the next read of one is a miss.</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        Cached.RemoveByTagAsync(tag, cancellationToken);

    /// <summary>Marks a present item stale and enqueues its refresh; whether an item was there.</summary>
    public Task<bool> InvalidateAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.InvalidateAsync(args, cancellationToken);

    /// <summary>What is stored (the value and until when it is fresh, in an envelope), with no side effects; <see langword="null"/> when absent, unreadable or past its TTL.</summary>
    public Task<Envelope<TResult>?> RawGetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.RawGetAsync(args, cancellationToken);

    /// <summary>Fetches now, stores and returns the value.</summary>
    /// <exception cref="TimeoutException">The fetch outlasted the policy's refresh timeout (it was cancelled, and nothing was stored).</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public Task<TResult> RefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.RefreshAsync(args, cancellationToken);

    /// <summary>
    /// Enqueues a background refresh. When the queue cannot take it, refreshes now and logs; when
    /// that fails too, logs. Never throws for either.
    /// </summary>
    public Task EnqueueRefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.EnqueueRefreshAsync(args, cancellationToken);
}
