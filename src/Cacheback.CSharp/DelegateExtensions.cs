namespace Cacheback;

/// <summary>The decorator, the .NET way: <c>fetch.Cached(policy)</c>.</summary>
/// <remarks>
/// Without <c>runtime:</c> the function runs on <see cref="CachebackRuntime.Default"/>, which serves
/// code with no host. In an app with a host, use <c>AddCachedFetch</c> or <c>Wrap</c> on the
/// runtime resolved from the services (or pass it as <c>runtime:</c>): while a host's runtime
/// lives, a function made on the default one is logged as a warning, since it would be a second cache.
/// </remarks>
public static class DelegateExtensions
{
    /// <summary>Wraps <paramref name="fetch"/> in a cache; see <see cref="Cache"/>. The <see cref="CachedFetch{TArgs, TResult}"/> returned is the job behind it: <c>SetAsync</c>, <c>InvalidateAsync</c>, <c>RawGetAsync</c>...</summary>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key, or the name is unusable.</exception>
    public static CachedFetch<TArgs, TResult> Cached<TArgs, TResult>(
        this Func<TArgs, CancellationToken, Task<TResult>> fetch,
        Policy? policy = null,
        Func<TArgs, string>? key = null,
        string? name = null,
        CachebackRuntime? runtime = null,
        TResult? empty = default,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName) =>
        Cache.Wrap(fetch, policy, key, name, empty, runtime, storeName: storeName, queueName: queueName);

    /// <summary>Wraps <paramref name="fetch"/>, which takes no cancellation token, in a cache; see <see cref="Cache"/>.</summary>
    /// <exception cref="ArgumentException">The arguments' type cannot be made into a key, or the name is unusable.</exception>
    public static CachedFetch<TArgs, TResult> Cached<TArgs, TResult>(
        this Func<TArgs, Task<TResult>> fetch,
        Policy? policy = null,
        Func<TArgs, string>? key = null,
        string? name = null,
        CachebackRuntime? runtime = null,
        TResult? empty = default,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName) =>
        Cache.Wrap(fetch, policy, key, name, empty, runtime, storeName: storeName, queueName: queueName);
}
