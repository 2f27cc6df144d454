namespace Cacheback;

/// <summary>What Cacheback's health checks (<c>AddHealthChecks().AddCacheback()</c>) look at, and how strictly.</summary>
public sealed class CachebackHealthCheckOptions
{
    /// <summary>The store the store check probes.</summary>
    /// <value>Default <see cref="CachebackRuntimeOptions.DefaultName"/>.</value>
    public string StoreName { get; set; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>How long the store probe may take before the store counts as unreachable.</summary>
    /// <value>Default 5 seconds. Must be positive.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a refresh worker must run in this process. When false, a worker that was never started
    /// (a web node that leaves refreshing to worker processes) is healthy; one that started and then
    /// stopped or died is unhealthy either way.
    /// </summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool RequireRefreshWorker { get; set; }

    /// <summary>
    /// Above this many waiting requests in a queue of this process, the worker check reports
    /// Degraded (the worker is not keeping up). A full in-process queue is Degraded whatever this says.
    /// </summary>
    /// <value>Default: none.</value>
    public long? MaxQueueDepth { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(StoreName, nameof(StoreName));
        if (Timeout <= TimeSpan.Zero || Timeout > PolicyLimits.MaxTimerDuration)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, $"The store probe's Timeout must be positive and at most {PolicyLimits.MaxTimerDuration} (a timer's limit).");
        if (MaxQueueDepth < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxQueueDepth), MaxQueueDepth, "MaxQueueDepth must not be negative.");
    }
}
