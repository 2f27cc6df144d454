namespace Cacheback;

/// <summary>The decorator, the .NET way: <c>fetch.Cached(policy)</c>.</summary>
/// <remarks>
/// For a name, a key, tags, hooks or anything else a job may set, wrap a
/// <see cref="JobDefinition{TArgs, TResult}"/>: <c>Cache.Wrap(new JobDefinition&lt;TArgs, TResult&gt;(fetch) { Name = "items" }, runtime)</c>.
/// Without <c>runtime:</c> the function runs on <see cref="CachebackRuntime.Default"/>, which serves
/// code with no host. In an app with a host, use <c>AddCachedFetch</c> or <c>Wrap</c> on the
/// runtime resolved from the services (or pass it as <c>runtime:</c>): while a host's runtime
/// lives, a function made on the default one is logged as a warning, since it would be a second cache.
/// </remarks>
public static class DelegateExtensions
{
    /// <summary>Wraps <paramref name="fetch"/> in a cache; see <see cref="Cache"/>. The <see cref="CachedFetch{TArgs, TResult}"/> returned is the job behind it: <c>SetAsync</c>, <c>InvalidateAsync</c>, <c>RawGetAsync</c>...</summary>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key or cannot travel in a refresh request, or the runtime's default queue is not in-process (a job there needs a name: wrap a definition).</exception>
    public static CachedFetch<TArgs, TResult> Cached<TArgs, TResult>(
        this Func<TArgs, CancellationToken, Task<TResult>> fetch, Policy? policy = null, CachebackRuntime? runtime = null) =>
        Cache.Wrap(new JobDefinition<TArgs, TResult>(fetch) { Policy = policy }, runtime);

    /// <summary>Wraps <paramref name="fetch"/>, which takes no cancellation token, in a cache; see <see cref="Cache"/>.</summary>
    /// <exception cref="ArgumentException">As for the other overload.</exception>
    public static CachedFetch<TArgs, TResult> Cached<TArgs, TResult>(
        this Func<TArgs, Task<TResult>> fetch, Policy? policy = null, CachebackRuntime? runtime = null) =>
        Cache.Wrap(new JobDefinition<TArgs, TResult>(fetch) { Policy = policy }, runtime);
}
