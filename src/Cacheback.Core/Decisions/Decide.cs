using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// The cache's rules as one pure, total function from (now, what is stored, policy) to an
/// <see cref="Effect{T}"/>. It reads no clock, store or queue.
/// </summary>
public static class Decide
{
    /// <summary>Decides what a read at <paramref name="now"/> does with <paramref name="stored"/> (null: nothing stored).</summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Nothing stored, or older than <see cref="Policy.CacheTtl"/>, or an empty placeholder: a miss.
    /// With <see cref="Policy.FetchOnMiss"/>, fetch now; otherwise return empty and claim a
    /// background fill (unless a placeholder's lease is still held).</item>
    /// <item>Before <see cref="Envelope{T}.FreshUntil"/>: return it, a hit.</item>
    /// <item>Stale and older than <see cref="Policy.FetchOnStaleThreshold"/> (measured from the fetch,
    /// not the lease): fetch now. Stale with a lease held: return it. Otherwise return it and claim
    /// the refresh for <see cref="Policy.RefreshTimeout"/>.</item>
    /// </list>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    [Pure]
    public static Effect<T> Read<T>(DateTimeOffset now, Envelope<T>? stored, Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Read(now.ToUnixTimeMilliseconds(), stored, policy);
    }

    /// <summary>
    /// Whether <see cref="Read{T}(DateTimeOffset, Envelope{T}, Policy)"/> would decide a plain hit:
    /// a value, within the cache TTL, still fresh. The read path asks this first, so a hit builds no effect.
    /// </summary>
    [Pure]
    internal static bool IsHit<T>(long nowMs, Envelope<T> stored, Policy policy) =>
        stored.HasValue && nowMs < stored.FreshUntilMs && nowMs < stored.FetchedAtMs + policy.CacheTtlMs;

    [Pure]
    internal static Effect<T> Read<T>(long nowMs, Envelope<T>? stored, Policy policy)
    {
        if (stored is null || nowMs >= stored.FetchedAtMs + policy.CacheTtlMs)
            return Missing<T>(nowMs, stored?.Version ?? 0, policy);

        if (!stored.HasValue)
        {
            if (policy.FetchOnMiss)
                return new Effect<T>.FetchSync(CacheStatus.Miss, stored.Version);
            return nowMs < stored.LeaseUntilMs
                ? new Effect<T>.Return(default, CacheStatus.Miss)
                : new Effect<T>.ReturnAndEnqueue(default, CacheStatus.Miss, ClaimFor(nowMs, stored.Version, stored, policy));
        }

        if (nowMs < stored.FreshUntilMs)
            return new Effect<T>.Return(stored.RawValue, CacheStatus.Hit);

        if (nowMs - stored.FetchedAtMs > policy.FetchOnStaleThresholdMs)
            return new Effect<T>.FetchSync(CacheStatus.Stale, stored.Version);

        return nowMs < stored.LeaseUntilMs
            ? new Effect<T>.Return(stored.RawValue, CacheStatus.Stale)
            : new Effect<T>.ReturnAndEnqueue(stored.RawValue, CacheStatus.Stale, ClaimFor(nowMs, stored.Version, stored, policy));
    }

    private static Effect<T> Missing<T>(long nowMs, long version, Policy policy)
    {
        if (policy.FetchOnMiss)
            return new Effect<T>.FetchSync(CacheStatus.Miss, version);
        var placeholder = Envelope.FromMs(-1, false, default(T)!, nowMs, nowMs, 0);
        return new Effect<T>.ReturnAndEnqueue(default, CacheStatus.Miss, ClaimFor(nowMs, version, placeholder, policy));
    }

    private static Claim<T> ClaimFor<T>(long nowMs, long expectedVersion, Envelope<T> leased, Policy policy)
    {
        // The lease must not keep an item alive past its TTL: the store keeps what is left of it
        // (never more than the TTL, even for data stamped ahead of this clock).
        var ttlMs = Math.Clamp(leased.FetchedAtMs + policy.CacheTtlMs - nowMs, 1, policy.CacheTtlMs);
        return new Claim<T>(
            expectedVersion,
            DateTimeOffset.FromUnixTimeMilliseconds(EnvelopeTime.Add(nowMs, policy.RefreshTimeoutMs)),
            TimeSpan.FromMilliseconds(ttlMs),
            leased);
    }
}
