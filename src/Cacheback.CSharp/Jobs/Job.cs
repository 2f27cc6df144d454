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
public abstract partial class Job<TArgs, TResult> : ICachebackJob, IContainerJob
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
}
