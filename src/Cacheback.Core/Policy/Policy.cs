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
    private Policy(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, Option<TimeSpan> fetchOnStaleThreshold)
    {
        Lifetime = lifetime;
        CacheTtl = cacheTtl;
        RefreshTimeout = refreshTimeout;
        FetchOnMiss = fetchOnMiss;
        FetchOnStaleThreshold = fetchOnStaleThreshold;
        LifetimeMs = (long)lifetime.TotalMilliseconds;
        CacheTtlMs = (long)cacheTtl.TotalMilliseconds;
        RefreshTimeoutMs = (long)refreshTimeout.TotalMilliseconds;
        FetchOnStaleThresholdMs = fetchOnStaleThreshold.Match(t => (long)t.TotalMilliseconds, () => long.MaxValue);
    }

    /// <summary>The defaults of django-cacheback: 600 s lifetime, 30 days TTL, 60 s refresh timeout, fetch on miss.</summary>
    public static Policy Default { get; } = Create();

    /// <summary>After this age an item is stale: still served, and one refresh is triggered.</summary>
    /// <value>Default 600 seconds. Must be positive and no longer than <see cref="CacheTtl"/>.</value>
    public TimeSpan Lifetime { get; }

    /// <summary>After this age the store drops the item and a read is a miss.</summary>
    /// <value>Default 2,592,000 seconds (30 days). Must be positive.</value>
    public TimeSpan CacheTtl { get; }

    /// <summary>
    /// Once a refresh is triggered, no other refresh of that key is triggered for this long; if it
    /// never lands, the first read after it triggers again.
    /// </summary>
    /// <value>Default 60 seconds. Must be positive and no longer than <see cref="CacheTtl"/>.</value>
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
    /// <value>Default none. When set, must be longer than <see cref="Lifetime"/>.</value>
    public Option<TimeSpan> FetchOnStaleThreshold { get; }

    // Milliseconds, precomputed: the decision runs on every read.
    internal long LifetimeMs { get; }
    internal long CacheTtlMs { get; }
    internal long RefreshTimeoutMs { get; }
    internal long FetchOnStaleThresholdMs { get; }

    /// <summary>Builds a policy; every threshold left out takes its default.</summary>
    /// <exception cref="PolicyValidationException">A threshold is out of range; the message names each one.</exception>
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
            fetchOnStaleThreshold is { } t ? Some(t) : None);

    /// <summary>A copy with the given thresholds changed, validated like <see cref="Create"/>.</summary>
    /// <exception cref="PolicyValidationException">The result would be invalid.</exception>
    [Pure]
    public Policy With(
        TimeSpan? lifetime = null,
        TimeSpan? cacheTtl = null,
        TimeSpan? refreshTimeout = null,
        bool? fetchOnMiss = null,
        Option<TimeSpan>? fetchOnStaleThreshold = null) =>
        Build(
            lifetime ?? Lifetime,
            cacheTtl ?? CacheTtl,
            refreshTimeout ?? RefreshTimeout,
            fetchOnMiss ?? FetchOnMiss,
            fetchOnStaleThreshold ?? FetchOnStaleThreshold);

    /// <summary>Validates the thresholds: the policy, or every problem found.</summary>
    [Pure]
    public static Either<Seq<string>, Policy> TryCreate(
        TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, Option<TimeSpan> fetchOnStaleThreshold)
    {
        var errors = Validate(lifetime, cacheTtl, refreshTimeout, fetchOnStaleThreshold);
        return errors.IsEmpty
            ? Right<Seq<string>, Policy>(new Policy(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, fetchOnStaleThreshold))
            : Left<Seq<string>, Policy>(errors);
    }

    private static Policy Build(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, bool fetchOnMiss, Option<TimeSpan> threshold) =>
        TryCreate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, threshold)
            .Match(Right: p => p, Left: errors => throw new PolicyValidationException(errors.ToArray()));

    private static Seq<string> Validate(TimeSpan lifetime, TimeSpan cacheTtl, TimeSpan refreshTimeout, Option<TimeSpan> threshold)
    {
        var errors = new List<string>();
        // Envelopes keep milliseconds: anything shorter would round to nothing.
        void Positive(string name, TimeSpan value)
        {
            if (value < TimeSpan.FromMilliseconds(1))
                errors.Add($"{name} must be at least 1 ms, but was {value}");
        }

        Positive(nameof(Lifetime), lifetime);
        Positive(nameof(CacheTtl), cacheTtl);
        Positive(nameof(RefreshTimeout), refreshTimeout);
        if (cacheTtl > TimeSpan.Zero && lifetime > cacheTtl)
            errors.Add($"{nameof(Lifetime)} ({lifetime}) must not exceed {nameof(CacheTtl)} ({cacheTtl}): the item would be dropped before it ever went stale");
        if (cacheTtl > TimeSpan.Zero && refreshTimeout > cacheTtl)
            errors.Add($"{nameof(RefreshTimeout)} ({refreshTimeout}) must not exceed {nameof(CacheTtl)} ({cacheTtl})");
        threshold.IfSome(t =>
        {
            if (t <= lifetime)
                errors.Add($"{nameof(FetchOnStaleThreshold)} ({t}) must be longer than {nameof(Lifetime)} ({lifetime}): data younger than the lifetime is fresh, not stale");
        });
        return errors.ToSeq();
    }

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
        $"Policy(Lifetime={Lifetime}, CacheTtl={CacheTtl}, RefreshTimeout={RefreshTimeout}, FetchOnMiss={FetchOnMiss}, FetchOnStaleThreshold={FetchOnStaleThreshold.Match(t => t.ToString(), () => "none")})";
}
