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
    private Policy(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? fetchOnStaleThreshold)
    {
        Lifetime = lifetime;
        CacheTtl = cacheTtl;
        RefreshTimeout = refreshTimeout;
        FetchOnMiss = fetchOnMiss;
        FetchOnStaleThreshold = fetchOnStaleThreshold;
        LifetimeMs = (long)lifetime.TotalMilliseconds;
        CacheTtlMs = (long)cacheTtl.TotalMilliseconds;
        RefreshTimeoutMs = (long)refreshTimeout.TotalMilliseconds;
        FetchOnStaleThresholdMs = fetchOnStaleThreshold is { } t ? (long)t.TotalMilliseconds : long.MaxValue;
        Rules = new Rules(LifetimeMs, CacheTtlMs, RefreshTimeoutMs, fetchOnMiss, FetchOnStaleThresholdMs);
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
        TimeSpan? fetchOnStaleThreshold = null) =>
        Build(
            lifetime ?? PolicyDefaults.Lifetime,
            cacheTtl ?? PolicyDefaults.CacheTtl,
            refreshTimeout ?? PolicyDefaults.RefreshTimeout,
            fetchOnMiss ?? PolicyDefaults.FetchOnMiss,
            fetchOnStaleThreshold);

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
        TimeSpan? fetchOnStaleThreshold = null) =>
        Build(
            lifetime ?? Lifetime,
            cacheTtl ?? CacheTtl,
            refreshTimeout ?? RefreshTimeout,
            fetchOnMiss ?? FetchOnMiss,
            fetchOnStaleThreshold ?? FetchOnStaleThreshold);

    /// <summary>A copy without a <see cref="FetchOnStaleThreshold"/>: stale data is always served while it refreshes.</summary>
    [Pure]
    public Policy WithoutFetchOnStaleThreshold() =>
        FetchOnStaleThreshold is null ? this : new Policy(Lifetime, CacheTtl, RefreshTimeout, FetchOnMiss, null);

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
        (policy, errors) = Validate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, fetchOnStaleThreshold)
            .Match<(Policy?, IReadOnlyList<string>)>(Succ: p => (p, []), Fail: e => (null, e.ToArray()));
        return policy is not null;
    }

    private static Policy Build(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? threshold) =>
        Validate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, threshold)
            .Match(Succ: p => p, Fail: errors => throw new PolicyValidationException(errors.ToArray()));

    /// <summary>Every rule checked on its own, so that one call reports every problem (<c>|</c> keeps the failures of both sides).</summary>
    [Pure]
    internal static Validation<string, Policy> Validate(
        TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, TimeSpan? threshold) =>
        (AtLeastOneMs(nameof(Lifetime), lifetime)
            | AtLeastOneMs(nameof(CacheTtl), cacheTtl)
            | AtLeastOneMs(nameof(RefreshTimeout), refreshTimeout)
            | AtMost(nameof(Lifetime), lifetime, PolicyLimits.MaxDuration, "100 years: beyond it, fetched-at plus the lifetime leaves the envelope's time range")
            | AtMost(nameof(CacheTtl), cacheTtl, PolicyLimits.MaxDuration, "100 years: beyond it, fetched-at plus the TTL leaves the envelope's time range")
            | AtMost(nameof(RefreshTimeout), refreshTimeout, PolicyLimits.MaxTimerDuration, "the longest timer .NET can start (uint.MaxValue - 1 ms, about 49.7 days): the refresh timeout times every fetch")
            | (threshold is { } limitThreshold
                ? AtMost(nameof(FetchOnStaleThreshold), limitThreshold, PolicyLimits.MaxDuration, "100 years")
                : Success<string, Unit>(unit))
            | Rule(
                cacheTtl <= TimeSpan.Zero || lifetime <= cacheTtl,
                $"{nameof(Lifetime)} ({lifetime}) must not exceed {nameof(CacheTtl)} ({cacheTtl}): the item would be dropped before it ever went stale")
            | Rule(
                cacheTtl <= TimeSpan.Zero || refreshTimeout <= cacheTtl,
                $"{nameof(RefreshTimeout)} ({refreshTimeout}) must not exceed {nameof(CacheTtl)} ({cacheTtl})")
            | Rule(
                threshold is not { } t || t > lifetime,
                $"{nameof(FetchOnStaleThreshold)} ({threshold}) must be longer than {nameof(Lifetime)} ({lifetime}): data younger than the lifetime is fresh, not stale"))
        .Map(_ => new Policy(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, threshold));

    // Envelopes keep milliseconds: anything shorter would round to nothing.
    private static Validation<string, Unit> AtLeastOneMs(string name, TimeSpan value) =>
        Rule(value >= TimeSpan.FromMilliseconds(1), $"{name} must be at least 1 ms, but was {value}");

    private static Validation<string, Unit> AtMost(string name, TimeSpan value, TimeSpan limit, string why) =>
        Rule(value <= limit, $"{name} must be at most {limit} ({why}), but was {value}");

    private static Validation<string, Unit> Rule(bool holds, string error) =>
        holds ? Success<string, Unit>(unit) : Fail<string, Unit>(error);

    /// <inheritdoc />
    public bool Equals(Policy? other) =>
        other is not null
        && Lifetime == other.Lifetime
        && CacheTtl == other.CacheTtl
        && RefreshTimeout == other.RefreshTimeout
        && FetchOnMiss == other.FetchOnMiss
        && FetchOnStaleThreshold == other.FetchOnStaleThreshold;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Policy);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Lifetime, CacheTtl, RefreshTimeout, FetchOnMiss, FetchOnStaleThreshold);

    /// <inheritdoc />
    public override string ToString() =>
        $"Policy(Lifetime={Lifetime}, CacheTtl={CacheTtl}, RefreshTimeout={RefreshTimeout}, FetchOnMiss={FetchOnMiss}, FetchOnStaleThreshold={FetchOnStaleThreshold?.ToString() ?? "none"})";
}
