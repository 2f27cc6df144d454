namespace Cacheback;

/// <summary>
/// The thresholds one call decides by: a job's <see cref="Policy"/> with its hooks' answers for
/// that call folded in. Plain data, resolved once per call by the executor and handed to
/// <see cref="Decide"/>, which alone turns them into times, leases and TTLs.
/// </summary>
/// <param name="LifetimeMs">See <see cref="Policy.Lifetime"/>.</param>
/// <param name="CacheTtlMs">See <see cref="Policy.CacheTtl"/>.</param>
/// <param name="RefreshTimeoutMs">See <see cref="Policy.RefreshTimeout"/>.</param>
/// <param name="FetchOnMiss">See <see cref="Policy.FetchOnMiss"/>, or the hook's answer for this call.</param>
/// <param name="FetchOnStaleThresholdMs">See <see cref="Policy.FetchOnStaleThreshold"/>; <see cref="long.MaxValue"/> for none.</param>
/// <param name="EarlyRefreshBeta">See <see cref="Policy.EarlyRefreshBeta"/>; 0: off.</param>
/// <param name="LifetimeJitter">See <see cref="Policy.LifetimeJitter"/>; 0: off.</param>
internal readonly record struct Rules(
    long LifetimeMs,
    long CacheTtlMs,
    long RefreshTimeoutMs,
    bool FetchOnMiss,
    long FetchOnStaleThresholdMs,
    double EarlyRefreshBeta = 0,
    double LifetimeJitter = 0)
{
    /// <summary>The job's measured fetch time (XFetch's delta): the longer a fetch takes, the earlier an early refresh starts. 0: cheap, or not measured yet.</summary>
    public long FetchMs { get; init; }

    /// <summary>The stale-fetch hook's answer for this call: overrides the threshold when set.</summary>
    public bool? FetchStale { get; init; }

    /// <summary>The expiry hook's answer (Unix ms, not yet clamped): until when a value written now is fresh.</summary>
    public long? ExpiryMs { get; init; }

    /// <summary>The timeout hook's answer (Unix ms, not yet clamped): until when a lease taken now holds.</summary>
    public long? LeaseUntilMs { get; init; }
}
