namespace Cacheback;

/// <summary>Cached functions made on a given runtime: the app's, resolved from its services.</summary>
public static class CachebackRuntimeExtensions
{
    /// <summary>
    /// <c>Cache.Wrap(definition, runtime)</c> (see <see cref="Cache"/>) on <paramref name="runtime"/>:
    /// in an app with a host, the <see cref="CachebackRuntime"/> resolved from its services, so the
    /// function uses the app's stores, queues and logging. Wrap once (in a singleton) and keep the
    /// result; <c>AddCachedFetch</c> does that for you.
    /// </summary>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key or cannot travel in a refresh request, the name is unusable or taken, or the job has no name while its queue is not in-process.</exception>
    public static CachedFetch<TArgs, TResult> Wrap<TArgs, TResult>(this CachebackRuntime runtime, JobDefinition<TArgs, TResult> definition)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Cache.Wrap(definition, runtime);
    }
}
