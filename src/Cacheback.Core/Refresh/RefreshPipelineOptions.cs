namespace Cacheback;

/// <summary>How the refresh pipeline runs requests.</summary>
public sealed record RefreshPipelineOptions
{
    /// <summary>How many refreshes run at once.</summary>
    /// <value>Default 16. Must be positive.</value>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>A refresh running longer than this is cancelled and reported <see cref="RefreshResult.TimedOut"/>.</summary>
    /// <value>Default 60 seconds, the default refresh timeout. Must be positive.</value>
    public TimeSpan Timeout { get; init; } = PolicyDefaults.RefreshTimeout;

    internal void Validate()
    {
        if (MaxConcurrency <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "MaxConcurrency must be positive.");
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be positive.");
    }
}
