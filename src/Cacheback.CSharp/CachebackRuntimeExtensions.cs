namespace Cacheback;

/// <summary>Cached functions made on a given runtime: the app's, resolved from its services.</summary>
public static class CachebackRuntimeExtensions
{
    /// <summary>
    /// <c>Cache.Wrap</c> (see <see cref="Cache"/>)
    /// on <paramref name="runtime"/>: in an app with a host, the <see cref="CachebackRuntime"/>
    /// resolved from its services, so the function uses the app's stores, queues and logging.
    /// Wrap once (in a singleton) and keep the result; <c>AddCachedFetch</c> does that for you.
    /// </summary>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key or cannot travel in a refresh request, or <paramref name="name"/> is unusable or taken.</exception>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(
        this CachebackRuntime runtime,
        Func<TArgs, CancellationToken, Task<TResult>> fetch,
        Policy? policy = null,
        Func<TArgs, string>? key = null,
        string? name = null,
        TResult? empty = default,
        IPayloadSerializer<TResult>? serializer = null,
        IPayloadSerializer<TArgs>? argumentSerializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Cache.Wrap(fetch, policy, key, name, empty, runtime, serializer, argumentSerializer, storeName, queueName);
    }
}
