using System.Globalization;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Cacheback;

/// <summary>
/// The thresholds that decide whether a cached item is fresh, stale or missing, and what a read
/// does about it. Immutable; validated when built, so an instance is always usable.
/// </summary>
/// <remarks>
/// Build one with <see cref="Create"/> (every argument optional, defaulting to
/// <see cref="PolicyDefaults"/>) or derive one with <see cref="With"/>.
/// </remarks>
public sealed class Policy : IEquatable<Policy>
{
    private Policy(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? fetchOnStaleThreshold, double earlyRefreshBeta, double lifetimeJitter)
    {
        EarlyRefreshBeta = earlyRefreshBeta;
        LifetimeJitter = lifetimeJitter;
        Lifetime = lifetime;
        CacheTtl = cacheTtl;
        RefreshTimeout = refreshTimeout;
        FetchOnMiss = fetchOnMiss;
        FetchOnStaleThreshold = fetchOnStaleThreshold;
        LifetimeMs = (long)lifetime.TotalMilliseconds;
        CacheTtlMs = (long)cacheTtl.TotalMilliseconds;
        RefreshTimeoutMs = (long)refreshTimeout.TotalMilliseconds;
        FetchOnStaleThresholdMs = fetchOnStaleThreshold is { } t ? (long)t.TotalMilliseconds : long.MaxValue;
        Rules = new Rules(LifetimeMs, CacheTtlMs, RefreshTimeoutMs, fetchOnMiss, FetchOnStaleThresholdMs, earlyRefreshBeta, lifetimeJitter);
    }

    /// <summary>The defaults of django-cacheback: 600 s lifetime, 30 days TTL, 60 s refresh timeout, fetch on miss.</summary>
    public static Policy Default { get; } = Create();

    /// <summary>After this age an item is stale: still served, and one refresh is triggered.</summary>
    /// <value>Default 600 seconds. Must be at least 1 ms and no longer than <see cref="CacheTtl"/> (at most <see cref="PolicyLimits.MaxDuration"/>, 100 years).</value>
    public TimeSpan Lifetime { get; }

    /// <summary>After this age the store drops the item and a read is a miss.</summary>
    /// <value>Default 2,592,000 seconds (30 days). Must be at least 1 ms and at most <see cref="PolicyLimits.MaxDuration"/> (100 years).</value>
    public TimeSpan CacheTtl { get; }

    /// <summary>
    /// Once a refresh is triggered, no other refresh of that key is triggered for this long; if it
    /// never lands, the first read after it triggers again.
    /// </summary>
    /// <value>Default 60 seconds. Must be at least 1 ms, no longer than <see cref="CacheTtl"/>, and at most <see cref="PolicyLimits.MaxTimerDuration"/> (about 49.7 days: it times the fetch).</value>
    public TimeSpan RefreshTimeout { get; }

    /// <summary>
    /// On a miss: fetch synchronously (<see langword="true"/>), or return the empty value at once
    /// and refresh in the background (<see langword="false"/>).
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool FetchOnMiss { get; }

    /// <summary>
    /// If the data is older than this (measured from when it was fetched), a stale read fetches
    /// synchronously instead of serving it.
    /// </summary>
    /// <value>Default <see langword="null"/> (none). When set, must be longer than <see cref="Lifetime"/> and at most <see cref="PolicyLimits.MaxDuration"/> (100 years).</value>
    public TimeSpan? FetchOnStaleThreshold { get; }

    /// <summary>
    /// Probabilistic early refresh (the XFetch rule): a read of a fresh item claims its refresh early
    /// when <c>now + fetchTime * beta * -ln(u) &gt;= FreshUntil</c> (u uniform in (0, 1]; fetchTime the job's
    /// measured fetch time), so a hot key is refreshed before it goes stale, more eagerly the longer its
    /// fetch takes and the closer it is to going stale. 0 turns it off; 1 is the rule's usual weight,
    /// larger refreshes earlier.
    /// </summary>
    /// <value>Default 0 (off). Must be between 0 and <see cref="PolicyLimits.MaxEarlyRefreshBeta"/> (10).</value>
    public double EarlyRefreshBeta { get; }

    /// <summary>
    /// Lifetime jitter: each write's freshness is shortened by a random part of this fraction of its
    /// lifetime (uniform in [0, fraction)), so that keys filled together do not go stale together.
    /// Never lengthened: an item is never fresh for longer than its lifetime.
    /// </summary>
    /// <value>Default 0 (off). Must be between 0 and <see cref="PolicyLimits.MaxLifetimeJitter"/> (0.5).</value>
    public double LifetimeJitter { get; }

    // Milliseconds, precomputed: the decision runs on every read.
    internal long LifetimeMs { get; }
    internal long CacheTtlMs { get; }
    internal long RefreshTimeoutMs { get; }
    internal long FetchOnStaleThresholdMs { get; }

    /// <summary>These thresholds as <see cref="Decide"/> takes them, for a call no hook changes.</summary>
    internal Rules Rules { get; }

    /// <summary>Builds a policy; every threshold left out takes its default.</summary>
    /// <exception cref="PolicyValidationException">A threshold is out of range; the message names each one and its value.</exception>
    [Pure]
    public static Policy Create(
        TimeSpan? lifetime = null,
        TimeSpan? cacheTtl = null,
        TimeSpan? refreshTimeout = null,
        bool? fetchOnMiss = null,
        TimeSpan? fetchOnStaleThreshold = null,
        double? earlyRefreshBeta = null,
        double? lifetimeJitter = null) =>
        Build(
            lifetime ?? PolicyDefaults.Lifetime,
            cacheTtl ?? PolicyDefaults.CacheTtl,
            refreshTimeout ?? PolicyDefaults.RefreshTimeout,
            fetchOnMiss ?? PolicyDefaults.FetchOnMiss,
            fetchOnStaleThreshold,
            earlyRefreshBeta ?? PolicyDefaults.EarlyRefreshBeta,
            lifetimeJitter ?? PolicyDefaults.LifetimeJitter);

    /// <summary>
    /// A copy with the given thresholds changed, validated like <see cref="Create"/>. A threshold
    /// left out (null) keeps its value; to remove <see cref="FetchOnStaleThreshold"/>, use
    /// <see cref="WithoutFetchOnStaleThreshold"/>.
    /// </summary>
    /// <exception cref="PolicyValidationException">The result would be invalid.</exception>
    [Pure]
    public Policy With(
        TimeSpan? lifetime = null,
        TimeSpan? cacheTtl = null,
        TimeSpan? refreshTimeout = null,
        bool? fetchOnMiss = null,
        TimeSpan? fetchOnStaleThreshold = null,
        double? earlyRefreshBeta = null,
        double? lifetimeJitter = null) =>
        Build(
            lifetime ?? Lifetime,
            cacheTtl ?? CacheTtl,
            refreshTimeout ?? RefreshTimeout,
            fetchOnMiss ?? FetchOnMiss,
            fetchOnStaleThreshold ?? FetchOnStaleThreshold,
            earlyRefreshBeta ?? EarlyRefreshBeta,
            lifetimeJitter ?? LifetimeJitter);

    /// <summary>A copy without a <see cref="FetchOnStaleThreshold"/>: stale data is always served while it refreshes.</summary>
    [Pure]
    public Policy WithoutFetchOnStaleThreshold() =>
        FetchOnStaleThreshold is null ? this : new Policy(Lifetime, CacheTtl, RefreshTimeout, FetchOnMiss, null, EarlyRefreshBeta, LifetimeJitter);

    /// <summary>Validates the thresholds without throwing: the policy, or every problem found.</summary>
    /// <param name="lifetime">See <see cref="Lifetime"/>.</param>
    /// <param name="cacheTtl">See <see cref="CacheTtl"/>.</param>
    /// <param name="refreshTimeout">See <see cref="RefreshTimeout"/>.</param>
    /// <param name="fetchOnMiss">See <see cref="FetchOnMiss"/>.</param>
    /// <param name="fetchOnStaleThreshold">See <see cref="FetchOnStaleThreshold"/>; null for none.</param>
    /// <param name="policy">The policy when the thresholds are valid; otherwise null.</param>
    /// <param name="errors">Each problem, one sentence naming the threshold and its value; empty when valid.</param>
    /// <returns>Whether the thresholds make a valid policy.</returns>
    public static bool TryCreate(
        TimeSpan lifetime,
        TimeSpan cacheTtl,
        TimeSpan refreshTimeout,
        bool fetchOnMiss,
        TimeSpan? fetchOnStaleThreshold,
        [NotNullWhen(true)] out Policy? policy,
        out IReadOnlyList<string> errors)
    {
        // A tuple either way: LanguageExt's Match refuses a null result.
        (policy, errors) = Validate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, fetchOnStaleThreshold, PolicyDefaults.EarlyRefreshBeta, PolicyDefaults.LifetimeJitter)
            .Match<(Policy?, IReadOnlyList<string>)>(Succ: p => (p, []), Fail: e => (null, e.ToArray()));
        return policy is not null;
    }

    private static Policy Build(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? threshold, double earlyRefreshBeta, double lifetimeJitter) =>
        Validate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, threshold, earlyRefreshBeta, lifetimeJitter)
            .Match(Succ: p => p, Fail: errors => throw new PolicyValidationException(errors.ToArray()));

    /// <summary>Every rule checked on its own, so that one call reports every problem (<c>|</c> keeps the failures of both sides).</summary>
    [Pure]
    internal static Validation<string, Policy> Validate(
        TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? threshold,
        double earlyRefreshBeta = 0, double lifetimeJitter = 0) =>
        (AtLeastOneMs(nameof(Lifetime), lifetime)
            | AtLeastOneMs(nameof(CacheTtl), cacheTtl)
            | AtLeastOneMs(nameof(RefreshTimeout), refreshTimeout)
            | AtMost(nameof(Lifetime), lifetime, PolicyLimits.MaxDuration, "100 years: beyond it, fetched-at plus the lifetime leaves the envelope's time range")
            | AtMost(nameof(CacheTtl), cacheTtl, PolicyLimits.MaxDuration, "100 years: beyond it, fetched-at plus the TTL leaves the envelope's time range")
            | AtMost(nameof(RefreshTimeout), refreshTimeout, PolicyLimits.MaxTimerDuration, "the longest timer .NET can start (uint.MaxValue - 1 ms, about 49.7 days): the refresh timeout times every fetch")
            | (threshold is { } limitThreshold
                ? AtMost(nameof(FetchOnStaleThreshold), limitThreshold, PolicyLimits.MaxDuration, "100 years")
                : Success<string, Unit>(unit))
            | Between(nameof(EarlyRefreshBeta), earlyRefreshBeta, PolicyLimits.MaxEarlyRefreshBeta, "past it a refresh starts so early that it stops saving fetches")
            | Between(nameof(LifetimeJitter), lifetimeJitter, PolicyLimits.MaxLifetimeJitter, "past it an item could go stale after less than half its lifetime")
            | Rule(
                cacheTtl <= TimeSpan.Zero || lifetime <= cacheTtl,
                $"{nameof(Lifetime)} ({lifetime}) must not exceed {nameof(CacheTtl)} ({cacheTtl}): the item would be dropped before it ever went stale")
            | Rule(
                cacheTtl <= TimeSpan.Zero || refreshTimeout <= cacheTtl,
                $"{nameof(RefreshTimeout)} ({refreshTimeout}) must not exceed {nameof(CacheTtl)} ({cacheTtl})")
            | Rule(
                threshold is not { } t || t > lifetime,
                $"{nameof(FetchOnStaleThreshold)} ({threshold}) must be longer than {nameof(Lifetime)} ({lifetime}): data younger than the lifetime is fresh, not stale"))
        .Map(_ => new Policy(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, threshold, earlyRefreshBeta, lifetimeJitter));

    // Envelopes keep milliseconds: anything shorter would round to nothing.
    private static Validation<string, Unit> AtLeastOneMs(string name, TimeSpan value) =>
        Rule(value >= TimeSpan.FromMilliseconds(1), $"{name} must be at least 1 ms, but was {value}");

    private static Validation<string, Unit> AtMost(string name, TimeSpan value, TimeSpan limit, string why) =>
        Rule(value <= limit, $"{name} must be at most {limit} ({why}), but was {value}");

    // Written so that NaN fails too.
    private static Validation<string, Unit> Between(string name, double value, double limit, string why) =>
        Rule(value >= 0 && value <= limit, $"{name} must be between 0 and {limit.ToString(CultureInfo.InvariantCulture)} ({why}), but was {value.ToString(CultureInfo.InvariantCulture)}");

    private static Validation<string, Unit> Rule(bool holds, string error) =>
        holds ? Success<string, Unit>(unit) : Fail<string, Unit>(error);

    /// <inheritdoc />
    public bool Equals(Policy? other) =>
        other is not null
        && Lifetime == other.Lifetime
        && CacheTtl == other.CacheTtl
        && RefreshTimeout == other.RefreshTimeout
        && FetchOnMiss == other.FetchOnMiss
        && FetchOnStaleThreshold == other.FetchOnStaleThreshold
        && EarlyRefreshBeta.Equals(other.EarlyRefreshBeta)
        && LifetimeJitter.Equals(other.LifetimeJitter);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Policy);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Lifetime, CacheTtl, RefreshTimeout, FetchOnMiss, FetchOnStaleThreshold, EarlyRefreshBeta, LifetimeJitter);

    /// <inheritdoc />
    /// <remarks>Early refresh and jitter are named only when on.</remarks>
    public override string ToString() =>
        $"Policy(Lifetime={Lifetime}, CacheTtl={CacheTtl}, RefreshTimeout={RefreshTimeout}, FetchOnMiss={FetchOnMiss}, FetchOnStaleThreshold={FetchOnStaleThreshold?.ToString() ?? "none"}{(EarlyRefreshBeta == 0 ? "" : $", EarlyRefreshBeta={EarlyRefreshBeta.ToString(CultureInfo.InvariantCulture)}")}{(LifetimeJitter == 0 ? "" : $", LifetimeJitter={LifetimeJitter.ToString(CultureInfo.InvariantCulture)}")})";
}
