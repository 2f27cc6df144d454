using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Turns an async fetch into a cached one: <c>Cache.Wrap(fetch, policy)</c>. (C# cannot name a
/// class after its own namespace, so the entry point of the <c>Cacheback</c> namespace is
/// <c>Cache</c>.)
/// </summary>
public static class Cache
{
    /// <summary>
    /// Wraps <paramref name="fetch"/> in a cache that serves stale values while refreshing them in
    /// the background: callers never wait for a refresh, and concurrent callers of one key share one fetch.
    /// </summary>
    /// <param name="fetch">The expensive read. Its cancellation token is cancelled when it outlasts the policy's <see cref="Policy.RefreshTimeout"/> (or by the caller of <c>RefreshAsync</c>), never by a caller of <c>GetAsync</c>, whose fetch others may share.</param>
    /// <param name="policy">The thresholds (default: <see cref="Policy.Default"/>).</param>
    /// <param name="key">The key of a call's arguments (default: <see cref="KeyEncoding.For{TArgs}"/>: a string is its own key).</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests (default: the fetch's declaring type and method, with <c>#2</c>, <c>#3</c>... if taken). A name given here must be free.</param>
    /// <param name="empty">What a miss returns when <see cref="Policy.FetchOnMiss"/> is false (default: <c>default</c>).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>, embedded).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack, <see cref="MessagePackPayloadSerializer{T}.Default"/>; <see cref="JsonPayloadSerializer{T}"/> for JSON).</param>
    /// <param name="argumentSerializer">How arguments travel in refresh requests (default: JSON, fields included).</param>
    /// <param name="storeName">Which of the runtime's stores to use (django-cacheback's cache alias).</param>
    /// <param name="tags">The tags of a call's arguments (default: none). <see cref="CachedFetch{TArgs, TResult}.InvalidateByTagAsync"/> or <see cref="CachebackRuntime.InvalidateByTagAsync"/> (and the removing variants) then reach every entry carrying the tag, on every node, without a scan; an untagged job's reads never look at tags.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key or cannot travel in a refresh request, or <paramref name="name"/> is unusable or taken.</exception>
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
        Func<TArgs, IEnumerable<string>?>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        return Build(fetch, fetch, policy, key, name, empty, runtime, serializer, argumentSerializer, storeName, queueName, tags);
    }

    private static CachedFetch<TArgs, TResult> Build<TArgs, TResult>(
        Func<TArgs, CancellationToken, Task<TResult>> fetch,
        Delegate original,
        Policy? policy,
        Func<TArgs, string>? key,
        string? name,
        TResult? empty,
        CachebackRuntime? runtime,
        IPayloadSerializer<TResult>? serializer,
        IPayloadSerializer<TArgs>? argumentSerializer,
        string storeName,
        string queueName,
        Func<TArgs, IEnumerable<string>?>? tags)
    {
        var generated = name is null;
        name ??= JobName.For(original);
        JobName.Validate(name);
        if (argumentSerializer is null)
            ArgumentCheck.EnsureRoundTrips<TArgs>();
        var spec = new JobSpec<TArgs, TResult>(
            name,
            fetch,
            policy ?? (runtime ?? CachebackRuntime.Default).Options.DefaultPolicy,
            key ?? KeyEncoding.For<TArgs>(),
            () => empty!,
            serializer ?? MessagePackPayloadSerializer<TResult>.Default,
            argumentSerializer ?? new JsonPayloadSerializer<TArgs>(KeyEncoding.Canonical))
        {
            RenameIfTaken = generated,
            StoreName = storeName,
            QueueName = queueName,
            Tags = tags,
        };
        return new CachedFetch<TArgs, TResult>(new Executor<TArgs, TResult>(runtime ?? CachebackRuntime.Default, spec));
    }

    /// <summary>Wraps a fetch that takes no cancellation token; see the main overload.</summary>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(
        Func<TArgs, Task<TResult>> fetch,
        Policy? policy = null,
        Func<TArgs, string>? key = null,
        string? name = null,
        TResult? empty = default,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<TResult>? serializer = null,
        IPayloadSerializer<TArgs>? argumentSerializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName,
        Func<TArgs, IEnumerable<string>?>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        return Build<TArgs, TResult>((args, _) => fetch(args), fetch, policy, key, name, empty, runtime, serializer, argumentSerializer, storeName, queueName, tags);
    }
}
