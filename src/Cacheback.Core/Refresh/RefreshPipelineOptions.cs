namespace Cacheback;

/// <summary>How the refresh pipeline runs requests.</summary>
public sealed record RefreshPipelineOptions
{
    /// <summary>How many refreshes run at once.</summary>
    /// <value>Default 16. From 1 to 10,000.</value>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>A refresh running longer than this is cancelled and reported <see cref="RefreshResult.TimedOut"/>.</summary>
    /// <value>Default 60 seconds, the default refresh timeout. Positive, at most one day.</value>
    public TimeSpan Timeout { get; init; } = PolicyDefaults.RefreshTimeout;

    /// <summary>The most refreshes that may run at once.</summary>
    internal const int MostConcurrency = 10_000;

    /// <summary>The longest timeout.</summary>
    internal static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(1);

    internal void Validate()
    {
        if (MaxConcurrency is <= 0 or > MostConcurrency)
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, $"MaxConcurrency must be from 1 to {MostConcurrency} (was {MaxConcurrency}).");
        if (Timeout <= TimeSpan.Zero || Timeout > LongestTimeout)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"Timeout must be positive and at most {LongestTimeout} (was {Timeout}).");
    }
}
