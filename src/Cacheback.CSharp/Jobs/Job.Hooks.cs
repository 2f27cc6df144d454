namespace Cacheback;

/// <summary>
/// The methods a job overrides to shape its caching (django-cacheback's names). Each one overridden
/// becomes the matching hook function of <see cref="ToDefinition"/>; one left alone is not asked at all.
/// </summary>
public abstract partial class Job<TArgs, TResult>
{
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
    public virtual DateTimeOffset Expiry(TArgs args, DateTimeOffset now) => Later(now, Policy.Lifetime);

    /// <summary>Until when a refresh triggered at <paramref name="now"/> holds its lease.</summary>
    /// <remarks>Default: <paramref name="now"/> + the policy's refresh timeout. What an override returns is
    /// brought into [<paramref name="now"/>, <paramref name="now"/> + the cache TTL], as for <see cref="Expiry"/>.</remarks>
    public virtual DateTimeOffset Timeout(TArgs args, DateTimeOffset now) => Later(now, Policy.RefreshTimeout);

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
    public virtual bool ShouldStaleItemBeFetchedSynchronously(TimeSpan delta, TArgs args) =>
        Policy is { FetchOnStaleThreshold: { } threshold } policy && delta > threshold - policy.Lifetime;

    /// <summary>Shapes what <see cref="GetAsync"/> returns, knowing how it was obtained.</summary>
    /// <param name="result">The value.</param>
    /// <param name="call">The arguments of the call.</param>
    /// <param name="status">Hit, stale or miss.</param>
    /// <param name="syncFetch">True if this call fetched, false if it left the fetch to the background, null if none was needed.</param>
    /// <remarks>Default: <paramref name="result"/> unchanged.</remarks>
    public virtual TResult ProcessResult(TResult result, TArgs call, CacheStatus status, bool? syncFetch) => result;

    /// <summary><paramref name="time"/> + <paramref name="duration"/>, at most <see cref="DateTimeOffset.MaxValue"/>.</summary>
    private static DateTimeOffset Later(DateTimeOffset time, TimeSpan duration) =>
        duration > DateTimeOffset.MaxValue - time ? DateTimeOffset.MaxValue : time + duration;
}
