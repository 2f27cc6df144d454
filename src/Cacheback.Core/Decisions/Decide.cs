using System.Diagnostics.Contracts;
using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The cache's rules: every decision about time, leases and TTLs, as pure, total functions of
/// (the command, now, what is stored, the rules). It reads no clock, store or queue; the executor
/// resolves a job's policy and hooks into <see cref="Rules"/> once per call, asks here, and
/// carries out what it is told.
/// </summary>
/// <remarks>
/// One function per command: <see cref="Read{T}(long, Envelope{T}, in Rules, double, TagVerdict)"/> (a read),
/// <see cref="StoreUnavailable{T}"/> (a read the store could not answer), <see cref="Lease{T}"/>
/// (invalidate, or a refresh requested by the caller), <see cref="Write{T}"/> (a set, or a fetch
/// landing), <see cref="Superseded{T}"/> (a queued refresh whose claim is gone),
/// <see cref="Present{T}"/> (a raw get) and <see cref="WriteLost{T}"/> (a write read back).
/// </remarks>
public static class Decide
{
    /// <summary>
    /// The expiry hook's rule when a job gives none: a value fetched at <paramref name="now"/> is
    /// fresh for the policy's lifetime (until <see cref="DateTimeOffset.MaxValue"/> at most).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    [Pure]
    public static DateTimeOffset DefaultExpiry(DateTimeOffset now, Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return EnvelopeTime.Add(now, policy.Lifetime);
    }

    /// <summary>The timeout hook's rule when a job gives none: a refresh triggered at <paramref name="now"/> holds its lease for the policy's refresh timeout.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    [Pure]
    public static DateTimeOffset DefaultTimeout(DateTimeOffset now, Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return EnvelopeTime.Add(now, policy.RefreshTimeout);
    }

    /// <summary>
    /// The stale-fetch hook's rule when a job gives none: stale data <paramref name="pastLifetime"/>
    /// past its lifetime is fetched now when the policy has a <see cref="Policy.FetchOnStaleThreshold"/>
    /// and the data is older than it (measured from its fetch); otherwise it is served while it refreshes.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    [Pure]
    public static bool DefaultFetchStale(TimeSpan pastLifetime, Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.FetchOnStaleThreshold is { } threshold && pastLifetime > threshold - policy.Lifetime;
    }

    /// <summary>Decides what a read at <paramref name="now"/> does with <paramref name="stored"/> (null: nothing stored).</summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Before <see cref="Envelope{T}.FreshUntil"/> and within <see cref="Policy.CacheTtl"/>: return it, a hit.</item>
    /// <item>Nothing stored, or older than <see cref="Policy.CacheTtl"/>, or an empty placeholder: a miss.
    /// With <see cref="Policy.FetchOnMiss"/>, fetch now; otherwise return empty and claim a
    /// background fill (unless a placeholder's lease is still held).</item>
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
        return Read(now.ToUnixTimeMilliseconds(), stored, policy.Rules);
    }

    [Pure]
    internal static Effect<T> Read<T>(long nowMs, Envelope<T>? stored, Policy policy) => Read(nowMs, stored, policy.Rules);

    /// <summary>
    /// A read, under the rules of this call. <paramref name="draw"/> (uniform in [0, 1)) is the
    /// random input of the early-refresh rule; 0 (or the rule off) never refreshes early.
    /// <paramref name="tags"/> is what the entry's tags say of it (<see cref="TagRules.Judge(TagStamp, TagStamp)"/>):
    /// a tag invalidated since its fetch started makes it stale from now on (served while one refresh
    /// runs, as any stale value), a tag removed since makes it a miss; with its version kept, so that
    /// the fetch or the claim that follows lands over it and nothing older.
    /// </summary>
    [Pure]
    internal static Effect<T> Read<T>(long nowMs, Envelope<T>? stored, in Rules rules, double draw = 0, TagVerdict tags = TagVerdict.Valid)
    {
        if (tags != TagVerdict.Valid && stored is not null)
        {
            if (tags == TagVerdict.Removed)
                return Missing(nowMs, stored, rules);
            stored = stored.StaleFrom(nowMs);
        }

        if (stored is not null && IsHit(nowMs, stored, rules.CacheTtlMs, HeadStartMs(rules.EarlyRefreshBeta, rules.FetchMs, draw)))
            return new Effect<T>.Return(stored.RawValue, CacheStatus.Hit);
        return Classify(nowMs, stored, rules.CacheTtlMs) switch
        {
            CacheStatus.Hit => Early(nowMs, stored!, rules),
            CacheStatus.Stale => Stale(nowMs, stored!, rules),
            _ => Missing(nowMs, stored, rules),
        };
    }

    /// <summary>
    /// The early-refresh rule's head start (XFetch: <c>fetchMs * beta * -ln(1 - draw)</c>): a read at
    /// now treats an item as due for refresh from <c>FreshUntil - head start</c> on. An exponential
    /// draw: mostly small, now and then large, so among many readers of a hot key one refreshes it
    /// shortly before it goes stale, earlier the longer its fetch takes. 0 when the rule is off or the fetch is cheap.
    /// </summary>
    [Pure]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long HeadStartMs(double beta, long fetchMs, double draw)
    {
        if (beta <= 0 || fetchMs <= 0)
            return 0;
        var ms = fetchMs * beta * -Math.Log(1 - draw);
        // A draw of 1 (outside [0, 1)) would be an infinite head start: capped far past any lifetime, never overflowing now + it.
        return ms < MaxHeadStartMs ? (long)ms : MaxHeadStartMs;
    }

    private const long MaxHeadStartMs = EnvelopeTime.MaxUnixMs;

    /// <summary>
    /// The first rule of a read, alone: a value, within the cache TTL, still fresh. The executor's
    /// hot path asks only this, so that a hit builds no effect; <see cref="Classify{T}"/> (and so
    /// <see cref="Read{T}(long, Envelope{T}, in Rules, double, TagVerdict)"/>) asks it first.
    /// </summary>
    /// <remarks>With early refresh on, a hit is also outside the head start (<see cref="HeadStartMs"/>) the read drew.</remarks>
    [Pure]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsHit<T>(long nowMs, Envelope<T> stored, long cacheTtlMs, long headStartMs = 0) =>
        stored.HasValue && nowMs + headStartMs < stored.FreshUntilMs && nowMs < stored.FetchedAtMs + cacheTtlMs;

    [Pure]
    internal static bool IsHit<T>(long nowMs, Envelope<T> stored, Policy policy) => IsHit(nowMs, stored, policy.CacheTtlMs);

    /// <summary>What a read finds (whatever the head start: an early refresh serves a hit): a hit, a stale value (kept, past its freshness) or a miss (nothing kept, or a placeholder).</summary>
    [Pure]
    internal static CacheStatus Classify<T>(long nowMs, Envelope<T>? stored, long cacheTtlMs) =>
        stored is null ? CacheStatus.Miss
        : IsHit(nowMs, stored, cacheTtlMs) ? CacheStatus.Hit
        : stored.HasValue && Kept(nowMs, stored, cacheTtlMs) ? CacheStatus.Stale
        : CacheStatus.Miss;

    /// <summary>How far past its lifetime stale data is, by its age (not by FreshUntil, which an invalidation moves): what the stale-fetch hook is asked about.</summary>
    [Pure]
    internal static TimeSpan PastLifetime<T>(long nowMs, Envelope<T> stored, in Rules rules) =>
        TimeSpan.FromMilliseconds(nowMs - stored.FetchedAtMs - rules.LifetimeMs);

    /// <summary>A read the store failed to answer: fetch, and do not write back (a store that stopped answering would hold every caller a second timeout).</summary>
    [Pure]
    internal static Effect<T> StoreUnavailable<T>() => new Effect<T>.FetchSync(CacheStatus.Miss, 0) { WriteBack = false };

    /// <summary>
    /// Invalidate (<paramref name="markStale"/>) or a requested refresh: lease what is stored, under a
    /// new version its refresh must find, marking it stale if asked. Null when nothing is stored
    /// (nothing to lease: an invalidation does nothing, a requested refresh fills an absent key).
    /// </summary>
    [Pure]
    internal static Claim<T>? Lease<T>(long nowMs, Envelope<T>? stored, in Rules rules, bool markStale)
    {
        if (stored is null)
            return null;
        var leased = markStale ? stored.StaleFrom(nowMs) : stored;
        return ClaimFor(nowMs, stored.Version, leased, rules);
    }

    /// <summary>
    /// A fetched (or set) value written at <paramref name="nowMs"/>: fresh for the lifetime (or until the
    /// expiry hook says, brought inside the TTL), shortened by the lifetime jitter's part of it
    /// (<paramref name="draw"/>, uniform in [0, 1), times <see cref="Rules.LifetimeJitter"/>), kept for the
    /// TTL; over <paramref name="expectedVersion"/> only, or unconditionally when it is null.
    /// </summary>
    /// <remarks>A tagged job's write carries <paramref name="tags"/>, the stamp of its tags read before its fetch ran.</remarks>
    [Pure]
    internal static StoreWrite<T> Write<T>(long nowMs, T value, long version, long? expectedVersion, in Rules rules, double draw = 0, TagStamp? tags = null)
    {
        var freshUntil = rules.ExpiryMs is { } expiry
            ? EnvelopeTime.FromHook(expiry, nowMs, rules.CacheTtlMs)
            : EnvelopeTime.Add(nowMs, rules.LifetimeMs);
        var freshFor = freshUntil - nowMs;
        // Only ever shorter: an item is never fresh past its lifetime (nor its TTL).
        freshUntil -= (long)(freshFor * rules.LifetimeJitter * Math.Clamp(draw, 0, 1));
        return new StoreWrite<T>(Envelope.FromMs(version, true, value, nowMs, freshUntil, 0, tags), TimeSpan.FromMilliseconds(rules.CacheTtlMs), expectedVersion);
    }

    /// <summary>Whether a queued refresh's claim is gone: another write (or refresh) replaced the version it expects, so its compare-and-set would fail.</summary>
    [Pure]
    internal static bool Superseded<T>(Envelope<T>? stored, long expectedVersion) => (stored?.Version ?? 0) != expectedVersion;

    /// <summary>A raw get: what is stored while the TTL keeps it, else nothing.</summary>
    [Pure]
    internal static Envelope<T>? Present<T>(long nowMs, Envelope<T>? stored, long cacheTtlMs) =>
        stored is not null && Kept(nowMs, stored, cacheTtlMs) ? stored : null;

    /// <summary>
    /// Whether a write read back was lost: nothing is there, or older data than ours. Another writer
    /// may have written since (a newer version, or a lease over ours, keeps our fetch time or a later one).
    /// </summary>
    [Pure]
    internal static bool WriteLost<T>(Envelope<T>? found, Envelope<T> written) =>
        found is null || (found.Version != written.Version && found.FetchedAtMs < written.FetchedAtMs);

    private static bool Kept<T>(long nowMs, Envelope<T> stored, long cacheTtlMs) => nowMs < stored.FetchedAtMs + cacheTtlMs;

    /// <summary>Fresh, but inside the head start: serve it as a hit, and claim its refresh unless one holds the lease.</summary>
    private static Effect<T> Early<T>(long nowMs, Envelope<T> stored, in Rules rules) =>
        nowMs < stored.LeaseUntilMs
            ? new Effect<T>.Return(stored.RawValue, CacheStatus.Hit)
            : new Effect<T>.ReturnAndEnqueue(stored.RawValue, CacheStatus.Hit, ClaimFor(nowMs, stored.Version, stored, rules));

    private static Effect<T> Stale<T>(long nowMs, Envelope<T> stored, in Rules rules)
    {
        // The hook's answer, when the job has one, replaces the threshold; the threshold uses the
        // data's age, so a refresh that keeps failing cannot keep very old data alive.
        if (rules.FetchStale ?? nowMs - stored.FetchedAtMs > rules.FetchOnStaleThresholdMs)
            return new Effect<T>.FetchSync(CacheStatus.Stale, stored.Version);
        return nowMs < stored.LeaseUntilMs
            ? new Effect<T>.Return(stored.RawValue, CacheStatus.Stale)
            : new Effect<T>.ReturnAndEnqueue(stored.RawValue, CacheStatus.Stale, ClaimFor(nowMs, stored.Version, stored, rules));
    }

    private static Effect<T> Missing<T>(long nowMs, Envelope<T>? stored, in Rules rules)
    {
        var version = stored?.Version ?? 0;
        if (rules.FetchOnMiss)
            return version == 0 ? Absent<T>.Fetch : new Effect<T>.FetchSync(CacheStatus.Miss, version);
        // A lease held is a fill (or refresh) running, until the lease ends (then the next read claims
        // again: no limbo); past the TTL too, since a store may still hold what another clock, or a
        // reader that read long ago, leased and stamped.
        if (stored is not null && nowMs < stored.LeaseUntilMs)
            return new Effect<T>.Return(default, CacheStatus.Miss);
        if (stored is not null && Kept(nowMs, stored, rules.CacheTtlMs))
            return new Effect<T>.ReturnAndEnqueue(default, CacheStatus.Miss, ClaimFor(nowMs, version, stored, rules));

        var placeholder = Envelope.FromMs(-1, false, default(T)!, nowMs, nowMs, 0);
        return new Effect<T>.ReturnAndEnqueue(default, CacheStatus.Miss, ClaimFor(nowMs, version, placeholder, rules));
    }

    private static Claim<T> ClaimFor<T>(long nowMs, long expectedVersion, Envelope<T> leased, in Rules rules)
    {
        // The lease must not keep an item alive past its TTL: the store keeps what is left of it
        // (never more than the TTL, even for data stamped ahead of this clock).
        var ttlMs = Math.Clamp(leased.FetchedAtMs + rules.CacheTtlMs - nowMs, 1, rules.CacheTtlMs);
        // A hook's lease end is brought inside [now, now + TTL], like an expiry.
        var leaseUntil = rules.LeaseUntilMs is { } hook
            ? EnvelopeTime.FromHook(hook, nowMs, rules.CacheTtlMs)
            : EnvelopeTime.Add(nowMs, rules.RefreshTimeoutMs);
        return new Claim<T>(expectedVersion, DateTimeOffset.FromUnixTimeMilliseconds(leaseUntil), TimeSpan.FromMilliseconds(ttlMs), leased);
    }

    /// <summary>The effect of a miss on an absent key, made once per value type: every miss would otherwise allocate an equal one.</summary>
    private static class Absent<T>
    {
        public static readonly Effect<T> Fetch = new Effect<T>.FetchSync(CacheStatus.Miss, 0);
    }
}
