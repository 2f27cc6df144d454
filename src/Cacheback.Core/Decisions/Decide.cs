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
/// One function, <see cref="Next{T}"/>, answers every command (<see cref="Command{T}"/>: a read, a
/// read the store could not answer, invalidate, a requested refresh, a refresh run now, a write, a
/// queued refresh, a raw get, a write read back) with an <see cref="Effect{T}"/>. Beside it only
/// the hot path's hit check (<see cref="IsHit{T}(long, Envelope{T}, long, long)"/>, the read's first
/// rule), the inputs the hooks are asked about (<see cref="Classify{T}"/>, <see cref="PastLifetime{T}"/>),
/// the measured fetch time (<see cref="FetchAverage"/>) and the hooks' defaults.
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
        return Next(Command<T>.Read.Plain, now.ToUnixTimeMilliseconds(), stored, policy.Rules);
    }

    /// <summary>
    /// What the executor does for <paramref name="command"/> at <paramref name="nowMs"/>, finding
    /// <paramref name="stored"/> (null: nothing, or unreadable) under the rules of this call.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>A read: <see cref="Effect{T}.Return"/>, <see cref="Effect{T}.ReturnAndEnqueue"/> or <see cref="Effect{T}.FetchSync"/> (see <see cref="Read{T}(DateTimeOffset, Envelope{T}, Policy)"/>).</item>
    /// <item>The store, or the tags' book, unavailable: fetch and do not write back.</item>
    /// <item>Invalidate: <see cref="Effect{T}.Lease"/> what is stored, marked stale; <see cref="Effect{T}.Nothing"/> when nothing is.</item>
    /// <item>A requested refresh: <see cref="Effect{T}.Lease"/> what is stored, as it is; on an absent key <see cref="Effect{T}.RefreshOver"/> 0 (it fills the key).</item>
    /// <item>A refresh run now: <see cref="Effect{T}.RefreshOver"/> the version stored when it starts (0: none).</item>
    /// <item>A write: <see cref="Effect{T}.Store"/> the value, fresh for its lifetime at most, kept for the TTL.</item>
    /// <item>A queued refresh: <see cref="Effect{T}.RefreshOver"/> its version while it is the stored one, else <see cref="Effect{T}.Superseded"/>.</item>
    /// <item>A raw get: <see cref="Effect{T}.Present"/> what the TTL still keeps.</item>
    /// <item>A write read back: <see cref="Effect{T}.Verified"/> or <see cref="Effect{T}.WriteLost"/>.</item>
    /// </list>
    /// </remarks>
    [Pure]
    internal static Effect<T> Next<T>(Command<T> command, long nowMs, Envelope<T>? stored, in Rules rules) => command switch
    {
        Command<T>.Read read => Read(nowMs, stored, rules, read.Draw, read.Tags),
        Command<T>.StoreUnavailable => Cached<T>.StoreUnavailable,
        Command<T>.TagsUnavailable fetch => new Effect<T>.FetchSync(fetch.Status, fetch.ExpectedVersion) { WriteBack = false },
        Command<T>.Invalidate => stored is null ? Effect<T>.Nothing.Instance : new Effect<T>.Lease(ClaimFor(nowMs, stored.Version, stored.StaleFrom(nowMs), rules)),
        Command<T>.RequestRefresh => stored is null ? new Effect<T>.RefreshOver(0) : new Effect<T>.Lease(ClaimFor(nowMs, stored.Version, stored, rules)),
        // Over what the fetch found when it started: a write made meanwhile is newer, and wins.
        Command<T>.RefreshNow => new Effect<T>.RefreshOver(stored?.Version ?? 0),
        Command<T>.Write write => Write(nowMs, write, rules),
        Command<T>.RunRefresh run => (stored?.Version ?? 0) == run.ExpectedVersion ? new Effect<T>.RefreshOver(run.ExpectedVersion) : Effect<T>.Superseded.Instance,
        Command<T>.RawGet => new Effect<T>.Present(stored is not null && Kept(nowMs, stored, rules.CacheTtlMs) ? stored : null),
        Command<T>.Verify verify => WriteLost(stored, verify.Written) ? new Effect<T>.WriteLost(stored) : Effect<T>.Verified.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Command is a closed union."),
    };

    /// <summary>
    /// The job's fetch time after a fetch took <paramref name="sampleMs"/>: a moving average of the last
    /// few (each new one weighs a quarter), the early-refresh rule's <see cref="Rules.FetchMs"/>. The
    /// first sample (<paramref name="previousMs"/> 0: none yet) is taken as it is.
    /// </summary>
    [Pure]
    internal static long FetchAverage(long previousMs, long sampleMs) =>
        previousMs == 0 ? sampleMs : previousMs + ((sampleMs - previousMs) / 4);

    /// <summary>
    /// A read, under the rules of this call. <paramref name="draw"/> (uniform in [0, 1)) is the
    /// random input of the early-refresh rule; 0 (or the rule off) never refreshes early.
    /// <paramref name="tags"/> is what the entry's tags say of it (<see cref="TagRules.Judge(TagStamp, TagStamp)"/>):
    /// a tag invalidated since its fetch started makes it stale from now on (served while one refresh
    /// runs, as any stale value), a tag removed since makes it a miss; with its version kept, so that
    /// the fetch or the claim that follows lands over it and nothing older.
    /// </summary>
    private static Effect<T> Read<T>(long nowMs, Envelope<T>? stored, in Rules rules, double draw, TagVerdict tags)
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
    /// a read through <see cref="Next{T}"/>) asks it first.
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

    /// <summary>
    /// A fetched (or set) value written at <paramref name="nowMs"/>: fresh for the lifetime (or until the
    /// expiry hook says, brought inside the TTL), shortened by the lifetime jitter's part of it
    /// (the write's draw, uniform in [0, 1), times <see cref="Rules.LifetimeJitter"/>), kept for the
    /// TTL; over the expected version only, or unconditionally when it is null. A tagged job's write
    /// carries the stamp of its tags read before its fetch ran.
    /// </summary>
    private static Effect<T>.Store Write<T>(long nowMs, Command<T>.Write write, in Rules rules)
    {
        var (envelope, ttl, expected) = Store(nowMs, write.Value, write.Version, write.ExpectedVersion, write.Draw, write.Tags, rules);
        return new Effect<T>.Store(envelope, ttl, expected);
    }

    /// <summary>
    /// The rule of a write (<see cref="Command{T}.Write"/>), as <see cref="Next{T}"/> states it, answered
    /// without the command and the effect objects: a fetched (or set) value written at
    /// <paramref name="nowMs"/> is fresh for the lifetime (or until the expiry hook says, brought inside
    /// the TTL), shortened by the lifetime jitter's part of it (<paramref name="draw"/>, uniform in
    /// [0, 1), times <see cref="Rules.LifetimeJitter"/>), and kept for the TTL.
    /// </summary>
    /// <remarks>
    /// A job's fetch lands through this, as a read's hit is asked of <see cref="IsHit{T}(long, Envelope{T}, long, long)"/>
    /// alone: every miss writes, and the two objects of the command and its effect made a miss 2.1x
    /// the time of <c>IMemoryCache.GetOrCreateAsync</c> against 1.8x without them (391 B against 279 B;
    /// `Cacheback.Benchmarks.dll miss --interleaved 300`, two runs each, 2026-12-01). <see cref="Next{T}"/>'s
    /// write is this function, so there is one rule.
    /// </remarks>
    [Pure]
    internal static StoreWrite<T> Store<T>(long nowMs, T value, long version, long? expectedVersion, double draw, TagStamp? tags, in Rules rules)
    {
        var freshUntil = rules.ExpiryMs is { } expiry
            ? EnvelopeTime.FromHook(expiry, nowMs, rules.CacheTtlMs)
            : EnvelopeTime.Add(nowMs, rules.LifetimeMs);
        var freshFor = freshUntil - nowMs;
        // Only ever shorter: an item is never fresh past its lifetime (nor its TTL).
        freshUntil -= (long)(freshFor * rules.LifetimeJitter * Math.Clamp(draw, 0, 1));
        var envelope = Envelope.FromMs(version, true, value, nowMs, freshUntil, 0, tags);
        return new StoreWrite<T>(envelope, TimeSpan.FromMilliseconds(rules.CacheTtlMs), expectedVersion);
    }

    /// <summary>
    /// Whether a write read back was lost: nothing is there, or older data than ours. Another writer
    /// may have written since (a newer version, or a lease over ours, keeps our fetch time or a later one).
    /// </summary>
    private static bool WriteLost<T>(Envelope<T>? found, Envelope<T> written) =>
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
            return version == 0 ? Cached<T>.Fetch : new Effect<T>.FetchSync(CacheStatus.Miss, version);
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

    /// <summary>The effects that depend on nothing, made once per value type: every miss (or store failure) would otherwise allocate an equal one.</summary>
    private static class Cached<T>
    {
        /// <summary>A miss on an absent key: fetch now.</summary>
        public static readonly Effect<T> Fetch = new Effect<T>.FetchSync(CacheStatus.Miss, 0);

        /// <summary>A read the store failed to answer: fetch, and do not write back (a store that stopped answering would hold every caller a second timeout).</summary>
        public static readonly Effect<T> StoreUnavailable = new Effect<T>.FetchSync(CacheStatus.Miss, 0) { WriteBack = false };
    }
}
