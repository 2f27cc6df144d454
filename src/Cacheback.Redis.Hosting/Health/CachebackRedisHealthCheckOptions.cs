namespace Cacheback;

/// <summary>When the Redis queue check (<c>AddHealthChecks().AddCachebackRedis()</c>) reports trouble.</summary>
public sealed class CachebackRedisHealthCheckOptions
{
    /// <summary>At this many dead letters in a queue, the check reports Degraded: refreshes are failing for good, and an operator should look.</summary>
    /// <value>Default 1. At least 1.</value>
    public long DeadLettersDegraded { get; set; } = 1;

    /// <summary>At this many dead letters in a queue, the check reports its failure status (Unhealthy by default).</summary>
    /// <value>Default: none (dead letters alone never make it unhealthy). At least <see cref="DeadLettersDegraded"/>.</value>
    public long? DeadLettersUnhealthy { get; set; }

    /// <summary>Above this many pending requests in a queue, the check reports Degraded: the workers are not keeping up.</summary>
    /// <value>Default: none (the depth is reported, not judged).</value>
    public long? MaxPending { get; set; }

    /// <summary>How long counting a queue may take before Redis counts as unreachable (Unhealthy).</summary>
    /// <value>Default 5 seconds. Must be positive.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (DeadLettersDegraded < 1)
            throw new ArgumentOutOfRangeException(nameof(DeadLettersDegraded), DeadLettersDegraded, "DeadLettersDegraded must be at least 1.");
        if (DeadLettersUnhealthy < DeadLettersDegraded)
            throw new ArgumentOutOfRangeException(nameof(DeadLettersUnhealthy), DeadLettersUnhealthy, $"DeadLettersUnhealthy must be at least DeadLettersDegraded ({DeadLettersDegraded}).");
        if (MaxPending < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxPending), MaxPending, "MaxPending must not be negative.");
        if (Timeout <= TimeSpan.Zero || Timeout > PolicyLimits.MaxTimerDuration)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"Timeout must be positive and at most {PolicyLimits.MaxTimerDuration} (a timer's limit).");
    }
}
