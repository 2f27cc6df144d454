namespace Cacheback;

/// <summary>The thresholds django-cacheback ships with; <see cref="Policy.Default"/> uses them.</summary>
public static class PolicyDefaults
{
    /// <summary>Age after which an item is stale: 600 seconds.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(600);

    /// <summary>How long the store keeps an item: 2,592,000 seconds (30 days, memcached's maximum).</summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(2_592_000);

    /// <summary>How long a triggered refresh holds its lease: 60 seconds.</summary>
    public static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Whether a miss fetches synchronously: <see langword="true"/>.</summary>
    public const bool FetchOnMiss = true;

    /// <summary>The weight of probabilistic early refresh: 0 (off).</summary>
    public const double EarlyRefreshBeta = 0;

    /// <summary>The fraction of a lifetime jitter may take off: 0 (off).</summary>
    public const double LifetimeJitter = 0;
}
