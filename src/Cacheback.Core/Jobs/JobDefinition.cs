namespace Cacheback;

/// <summary>
/// Everything that defines a cached job, in one value: the fetch, its name, policy, key, empty
/// value, serializers, store and queue, tags, and the hooks that shape a call. <c>Cache.Wrap</c>,
/// <c>fetch.Cached()</c>, <c>AddCachedFetch</c> and the C# <c>Job</c> class all make one and run it
/// with <see cref="Cache.Wrap{TArgs, TResult}(JobDefinition{TArgs, TResult}, CachebackRuntime?)"/>.
/// </summary>
/// <remarks>
/// Every property but the fetch is optional; what is left out takes the runtime's default. The hooks
/// are functions (an F# caller passes lambdas; the C# <c>Job</c> class passes its overridable methods),
/// asked only off the hit path, and only where a read needs them, as django-cacheback asks them.
/// <code>
/// var products = Cache.Wrap(new JobDefinition&lt;int, Product&gt;(LoadProductAsync)
/// {
///     Name = "products",
///     Policy = Policy.Create(lifetime: TimeSpan.FromMinutes(5)),
///     Tags = id => ["product:" + id],
/// });
/// </code>
/// </remarks>
/// <typeparam name="TArgs">The fetch's arguments (a tuple or a record for several).</typeparam>
/// <typeparam name="TResult">The fetched value.</typeparam>
public sealed record JobDefinition<TArgs, TResult>
{
    private readonly Func<TArgs, CancellationToken, Task<TResult>> _fetch;

    /// <summary>A job over <paramref name="fetch"/>.</summary>
    /// <param name="fetch">The expensive read. Its token is cancelled when it outlasts the refresh timeout (or by the caller of <c>RefreshAsync</c>), never by a caller of <c>GetAsync</c>, whose fetch others may share.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fetch"/> is null.</exception>
    public JobDefinition(Func<TArgs, CancellationToken, Task<TResult>> fetch)
    {
        _fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
        Origin = fetch;
    }

    /// <summary>A job over <paramref name="fetch"/>, which takes no cancellation token.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="fetch"/> is null.</exception>
    public JobDefinition(Func<TArgs, Task<TResult>> fetch)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        _fetch = (args, _) => fetch(args);
        Origin = fetch;
    }

    /// <summary>The expensive read.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public Func<TArgs, CancellationToken, Task<TResult>> Fetch
    {
        get => _fetch;
        init
        {
            _fetch = value ?? throw new ArgumentNullException(nameof(value));
            Origin = value;
        }
    }

    /// <summary>
    /// The job's name: its store partition and its name in refresh requests, the same in every
    /// process that runs it. A name given here must be free in the runtime.
    /// </summary>
    /// <value>
    /// Default null: generated from the fetch's declaring type and method (<c>#2</c>, <c>#3</c>... if taken).
    /// A lambda's is a compiler-generated name that changes when the code is edited, so a job whose
    /// refreshes go to a queue other processes read (<see cref="IRefreshQueue.IsShared"/>: a Redis queue)
    /// must be named: wrapping it without a name throws.
    /// </value>
    public string? Name { get; init; }

    /// <summary>The thresholds.</summary>
    /// <value>Default null: the runtime's default policy.</value>
    public Policy? Policy { get; init; }

    /// <summary>The key of a call's arguments within the job.</summary>
    /// <value>Default null: <see cref="KeyEncoding.For{TArgs}"/> (a string is its own key).</value>
    public Func<TArgs, string>? Key { get; init; }

    /// <summary>What a miss returns when it does not fetch (the policy's <see cref="Cacheback.Policy.FetchOnMiss"/> is false, or <see cref="ShouldFetchOnMiss"/> says so).</summary>
    /// <value>Default null: <c>default(TResult)</c>.</value>
    public Func<TResult>? Empty { get; init; }

    /// <summary>How values are encoded for stores that keep bytes.</summary>
    /// <value>Default null: MessagePack (<see cref="MessagePackPayloadSerializer{T}.Default"/>); <see cref="JsonPayloadSerializer{T}"/> for JSON.</value>
    public IPayloadSerializer<TResult>? ValueSerializer { get; init; }

    /// <summary>How arguments travel in refresh requests.</summary>
    /// <value>Default null: JSON, fields included, checked to round-trip when the job is wrapped.</value>
    public IPayloadSerializer<TArgs>? ArgumentSerializer { get; init; }

    /// <summary>Which of the runtime's stores the job uses (django-cacheback's cache alias).</summary>
    /// <value>Default <c>"default"</c>.</value>
    public string StoreName { get; init; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>Which of the runtime's queues the job's refreshes go to.</summary>
    /// <value>Default <c>"default"</c>.</value>
    public string QueueName { get; init; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>
    /// The tags of a call's arguments: <c>InvalidateByTagAsync</c> then reaches every entry carrying
    /// a tag, on every node, without a scan. An untagged job's reads never look at tags.
    /// </summary>
    /// <value>Default null: untagged.</value>
    public Func<TArgs, IEnumerable<string>?>? Tags { get; init; }

    /// <summary>Whether a miss for the arguments fetches now (django-cacheback's <c>should_missing_item_be_fetched_synchronously</c>).</summary>
    /// <value>Default null: the policy's <see cref="Cacheback.Policy.FetchOnMiss"/>.</value>
    public Func<TArgs, bool>? ShouldFetchOnMiss { get; init; }

    /// <summary>
    /// Whether a stale item is fetched now instead of served (<c>should_stale_item_be_fetched_synchronously</c>),
    /// given the arguments and how far past its lifetime the data is (its age minus the lifetime).
    /// </summary>
    /// <value>Default null: when the policy's <see cref="Cacheback.Policy.FetchOnStaleThreshold"/> is set and the data is older than it.</value>
    public Func<TArgs, TimeSpan, bool>? ShouldFetchStale { get; init; }

    /// <summary>
    /// Until when a value fetched at the given moment is fresh (<c>expiry</c>). What it returns is
    /// brought into [now, now + cache TTL]: a time already past means stale at once.
    /// </summary>
    /// <value>Default null: now + the policy's lifetime.</value>
    public Func<TArgs, DateTimeOffset, DateTimeOffset>? Expiry { get; init; }

    /// <summary>Until when a refresh triggered at the given moment holds its lease (<c>timeout</c>); brought into [now, now + cache TTL].</summary>
    /// <value>Default null: now + the policy's refresh timeout.</value>
    public Func<TArgs, DateTimeOffset, DateTimeOffset>? Timeout { get; init; }

    /// <summary>
    /// Shapes what a read returns, knowing how it was obtained (<c>process_result</c>): the value, the
    /// call's arguments, the status, and whether this call fetched (true), left the fetch to the
    /// background (false) or needed none (null).
    /// </summary>
    /// <value>Default null: the value unchanged (and a hit takes the shortest path).</value>
    public Func<TResult, TArgs, CacheStatus, bool?, TResult>? ProcessResult { get; init; }

    /// <summary>The delegate the user gave, whose method names the job when <see cref="Name"/> is not given.</summary>
    internal Delegate Origin { get; private init; }

    /// <summary>Whether any per-call hook is given (then the executor asks them off the hit path).</summary>
    internal bool HasHooks => ShouldFetchOnMiss is not null || ShouldFetchStale is not null || Expiry is not null || Timeout is not null;
}
