namespace Cacheback;

/// <summary>
/// Turns an async fetch into a cached one: <c>Cache.Wrap(fetch, policy)</c>, or
/// <c>Cache.Wrap(definition)</c> for a <see cref="JobDefinition{TArgs, TResult}"/>. (C# cannot name a
/// class after its own namespace, so the entry point of the <c>Cacheback</c> namespace is <c>Cache</c>.)
/// </summary>
public static class Cache
{
    /// <summary>
    /// Runs <paramref name="definition"/> in <paramref name="runtime"/>: a cache that serves stale values
    /// while refreshing them in the background; callers never wait for a refresh, and concurrent
    /// callers of one key share one fetch. The job is registered by name, so refresh requests find it.
    /// </summary>
    /// <param name="definition">The job: its fetch, and whatever it sets of name, policy, key, serializers, store, queue, tags and hooks.</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>, embedded).</param>
    /// <exception cref="ArgumentException">
    /// The arguments' type cannot be made into a key or cannot travel in a refresh request; the name is
    /// unusable or taken; no store or queue has the names given; or the job has no name of its own while
    /// its refreshes go to a queue other processes read (the message names the job and the queue).
    /// </exception>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(JobDefinition<TArgs, TResult> definition, CachebackRuntime? runtime = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        runtime ??= CachebackRuntime.Default;
        var name = definition.Name ?? JobName.For(definition.Origin);
        JobName.Validate(name);
        if (definition.Name is null)
            JobName.EnsureLocal(name, definition.QueueName, runtime.QueueNamed(definition.QueueName));
        if (definition.ArgumentSerializer is null)
            ArgumentCheck.EnsureRoundTrips<TArgs>();
        var policy = definition.Policy ?? runtime.Options.DefaultPolicy;
        var empty = definition.Empty ?? (static () => default!);
        var spec = new JobSpec<TArgs, TResult>(
            name,
            definition.Fetch,
            policy,
            definition.Key ?? KeyEncoding.For<TArgs>(),
            empty,
            definition.ValueSerializer ?? MessagePackPayloadSerializer<TResult>.Default,
            definition.ArgumentSerializer ?? new JsonPayloadSerializer<TArgs>(KeyEncoding.Canonical))
        {
            Hooks = DefinedHooks<TArgs, TResult>.Of(definition, policy),
            RenameIfTaken = definition.Name is null,
            StoreName = definition.StoreName,
            QueueName = definition.QueueName,
            Tags = definition.Tags,
        };
        return new CachedFetch<TArgs, TResult>(new Executor<TArgs, TResult>(runtime, spec), definition.ProcessResult);
    }

    /// <summary>
    /// Wraps <paramref name="fetch"/> in a cache: <see cref="Wrap{TArgs, TResult}(JobDefinition{TArgs, TResult}, CachebackRuntime?)"/>
    /// of a <see cref="JobDefinition{TArgs, TResult}"/> with these properties (see there what each means
    /// and defaults to); hooks and <c>ProcessResult</c> need the definition.
    /// </summary>
    /// <param name="fetch">The expensive read (<see cref="JobDefinition{TArgs, TResult}.Fetch"/>).</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy).</param>
    /// <param name="key">The key of a call's arguments (default: <see cref="KeyEncoding.For{TArgs}"/>: a string is its own key).</param>
    /// <param name="name">The job's name (default: generated from the fetch's method; required when the queue is not in-process).</param>
    /// <param name="empty">What a miss returns when it does not fetch (default: <c>default</c>).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>, embedded).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="argumentSerializer">How arguments travel in refresh requests (default: JSON, fields included).</param>
    /// <param name="storeName">Which of the runtime's stores to use (django-cacheback's cache alias).</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <param name="tags">The tags of a call's arguments (default: none); see <see cref="CachedFetch{TArgs, TResult}.InvalidateByTagAsync"/>.</param>
    /// <exception cref="ArgumentException">As for the definition's <c>Wrap</c>.</exception>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(
        Func<TArgs, CancellationToken, Task<TResult>> fetch,
        Policy? policy = null,
        Func<TArgs, string>? key = null,
        string? name = null,
        TResult? empty = default,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<TResult>? serializer = null,
        IPayloadSerializer<TArgs>? argumentSerializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName,
        Func<TArgs, IEnumerable<string>?>? tags = null) =>
        Wrap(
            new JobDefinition<TArgs, TResult>(fetch)
            {
                Policy = policy,
                Key = key,
                Name = name,
                Empty = EmptyOf(empty),
                ValueSerializer = serializer,
                ArgumentSerializer = argumentSerializer,
                StoreName = storeName,
                QueueName = queueName,
                Tags = tags,
            },
            runtime);

    /// <summary>Wraps a fetch that takes no cancellation token; for more than a policy and a runtime, wrap a <see cref="JobDefinition{TArgs, TResult}"/>.</summary>
    /// <exception cref="ArgumentException">As for the definition's <c>Wrap</c>.</exception>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(Func<TArgs, Task<TResult>> fetch, Policy? policy = null, CachebackRuntime? runtime = null) =>
        Wrap(new JobDefinition<TArgs, TResult>(fetch) { Policy = policy }, runtime);

    /// <summary>A definition's empty value from a value given; none for <c>default</c>.</summary>
    private static Func<TResult>? EmptyOf<TResult>(TResult? empty) =>
        EqualityComparer<TResult?>.Default.Equals(empty, default) ? null : () => empty!;
}
