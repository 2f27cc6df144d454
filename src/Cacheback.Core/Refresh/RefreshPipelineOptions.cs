namespace Cacheback;

/// <summary>How the refresh pipeline runs requests.</summary>
public sealed record RefreshPipelineOptions
{
    /// <summary>How many refreshes run at once.</summary>
    /// <value>Default 16. Must be positive and at most <see cref="PolicyLimits.MaxConcurrency"/> (1,024).</value>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>A refresh running longer than this is cancelled and reported <see cref="RefreshResult.TimedOut"/>.</summary>
    /// <value>Default 60 seconds, the default refresh timeout. Must be positive and at most <see cref="PolicyLimits.MaxTimerDuration"/> (about 49.7 days: it starts a timer).</value>
    public TimeSpan Timeout { get; init; } = PolicyDefaults.RefreshTimeout;

    internal void Validate()
    {
        if (MaxConcurrency is <= 0 or > PolicyLimits.MaxConcurrency)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency,
                $"RefreshPipelineOptions.MaxConcurrency must be between 1 and {PolicyLimits.MaxConcurrency}, but was {MaxConcurrency}.");
        if (Timeout <= TimeSpan.Zero || Timeout > PolicyLimits.MaxTimerDuration)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout,
                $"RefreshPipelineOptions.Timeout must be positive and at most {PolicyLimits.MaxTimerDuration} (the longest timer .NET can start), but was {Timeout}.");
    }
}
