namespace Cacheback;

/// <summary>One thing that happened in the cache: a decision or a refresh outcome.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Job">The job's name.</param>
/// <param name="Key">The key within the job.</param>
/// <param name="At">When (from the runtime's <see cref="TimeProvider"/>).</param>
public sealed record CacheEvent(CacheEventKind Kind, string Job, string Key, DateTimeOffset At)
{
    /// <summary>How long the fetch or refresh ran, where one ran.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How a refresh ended, for <see cref="CacheEventKind.RefreshCompleted"/>.</summary>
    public RefreshResult? Result { get; init; }

    /// <summary>The error, for failures.</summary>
    public Exception? Error { get; init; }

    /// <summary>More words, where they help (why bytes were unreadable, say).</summary>
    public string? Detail { get; init; }
}
