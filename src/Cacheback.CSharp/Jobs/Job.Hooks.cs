namespace Cacheback;

/// <summary>The methods a job overrides to shape its caching (django-cacheback's names).</summary>
public abstract partial class Job<TArgs, TResult>
{
    /// <summary>The expensive read: the only method a job must override.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Cancelled when the fetch outlasts <see cref="RefreshTimeout"/>, or by the caller of <see cref="RefreshAsync"/>; never by a caller of <see cref="GetAsync"/>, whose fetch others may share.</param>
    protected abstract Task<TResult> Fetch(TArgs args, CancellationToken cancellationToken);

    /// <summary>The cache key of <paramref name="args"/> within this job.</summary>
    /// <remarks>Default: a string is its own key, scalars their invariant text, anything else the SHA-256 of its canonical JSON.</remarks>
    /// <exception cref="ArgumentException">The arguments cannot be encoded.</exception>
    public virtual string Key(TArgs args) => (_defaultKey ??= KeyEncoding.For<TArgs>())(args);

    /// <summary>Until when a value fetched at <paramref name="now"/> is fresh.</summary>
    /// <remarks>Default: <paramref name="now"/> + <see cref="Lifetime"/>. What an override returns is
    /// brought into [<paramref name="now"/>, <paramref name="now"/> + <see cref="CacheTtl"/>]: a time
    /// already past means stale at once, one past the TTL means fresh for as long as the item is kept.</remarks>
    public virtual DateTimeOffset Expiry(TArgs args, DateTimeOffset now) => EnvelopeTime.Add(now, Lifetime);

    /// <summary>Until when a refresh triggered at <paramref name="now"/> holds its lease.</summary>
    /// <remarks>Default: <paramref name="now"/> + <see cref="RefreshTimeout"/>. What an override returns is
    /// brought into [<paramref name="now"/>, <paramref name="now"/> + <see cref="CacheTtl"/>], as for <see cref="Expiry"/>.</remarks>
    public virtual DateTimeOffset Timeout(TArgs args, DateTimeOffset now) => EnvelopeTime.Add(now, RefreshTimeout);

    /// <summary>What a miss returns when it does not fetch.</summary>
    /// <remarks>Default: <c>default</c>.</remarks>
    public virtual TResult Empty() => default!;

    /// <summary>Whether a miss for <paramref name="args"/> fetches now.</summary>
    /// <remarks>Default: <see cref="FetchOnMiss"/>.</remarks>
    public virtual bool ShouldMissingItemBeFetchedSynchronously(TArgs args) => FetchOnMiss;

    /// <summary>Whether a stale item is fetched now instead of served.</summary>
    /// <param name="delta">How far past its lifetime the data is: its age (since it was fetched) minus <see cref="Lifetime"/>. An invalidation does not change it.</param>
    /// <param name="args">The arguments.</param>
    /// <remarks>Default: when <see cref="FetchOnStaleThreshold"/> is set and the data is older than it (delta &gt; threshold - lifetime).</remarks>
    public virtual bool ShouldStaleItemBeFetchedSynchronously(TimeSpan delta, TArgs args) =>
        FetchOnStaleThreshold is { } threshold && delta > threshold - Lifetime;

    /// <summary>Shapes what <see cref="GetAsync"/> returns, knowing how it was obtained.</summary>
    /// <param name="result">The value.</param>
    /// <param name="call">The arguments of the call.</param>
    /// <param name="status">Hit, stale or miss.</param>
    /// <param name="syncFetch">True if this call fetched, false if it left the fetch to the background, null if none was needed.</param>
    /// <remarks>Default: <paramref name="result"/> unchanged.</remarks>
    public virtual TResult ProcessResult(TResult result, TArgs call, CacheStatus status, bool? syncFetch) => result;
}
