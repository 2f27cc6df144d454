namespace Cacheback;

/// <summary>Bounds of an <see cref="L1Store"/>'s memory layer.</summary>
public sealed record L1Options
{
    /// <summary>The most envelopes kept in memory per job; when full, an arbitrary one is dropped to make room.</summary>
    /// <value>Default 10,000. Must be positive.</value>
    public int MaxEntriesPerJob { get; init; } = 10_000;

    /// <summary>
    /// How long an envelope is served from memory at most before it is read from Redis again: the
    /// safety net against an invalidation message that never arrived (a reconnect, a dropped
    /// subscriber). Memory counts it in quarters (a hit reads no clock): an envelope is served for
    /// between three and four quarters of it, never longer.
    /// </summary>
    /// <value>Default 5 seconds. From one millisecond to a day (<see cref="MaxTimeToLive"/>).</value>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="TimeToLive"/>: a day (its quarter is a timer's period, and a safety net that takes longer is none).</summary>
    public static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(1);

    /// <summary>The clock whose timer counts the quarters of <see cref="TimeToLive"/>.</summary>
    /// <value>Default <c>TimeProvider.System</c>.</value>
    public TimeProvider TimeProvider { get; init; } = Clock.System;

    /// <summary>How often the memory layer's age counter ticks: a quarter of <see cref="TimeToLive"/>, at least a millisecond.</summary>
    internal TimeSpan Tick => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, TimeToLive.Ticks / 4));

    /// <summary>The age counter's ticks in a <see cref="TimeToLive"/>: four, or fewer when a quarter is under a millisecond.</summary>
    internal long TicksPerTimeToLive => Math.Min(4, TimeToLive.Ticks / Tick.Ticks);

    /// <summary>Throws when a bound is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MaxEntriesPerJob"/> is not positive, or <see cref="TimeToLive"/> is under a millisecond or over <see cref="MaxTimeToLive"/>.</exception>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is null.</exception>
    internal void Validate()
    {
        if (MaxEntriesPerJob <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxEntriesPerJob), MaxEntriesPerJob, "L1 must hold at least one entry per job.");
        if (TimeToLive < TimeSpan.FromMilliseconds(1) || TimeToLive > MaxTimeToLive)
            throw new ArgumentOutOfRangeException(nameof(TimeToLive), TimeToLive, $"The L1 time to live (L1Options.TimeToLive) must be from 1 ms to {MaxTimeToLive}.");
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
