namespace Cacheback;

/// <summary>The bounds of <see cref="IStoreClock.ClockSyncInterval"/>, and how a measurement is made.</summary>
internal static class StoreClockLimits
{
    /// <summary>Clocks drift by parts per million: once a second is already far more than enough.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>A clock stepped by its host (NTP, a VM resumed) stays wrong at most this long.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The default: a step is followed within half a minute, for a few round trips per half minute.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>Round trips per measurement; the quickest one is kept.</summary>
    public const int Samples = 5;

    /// <summary>Throws unless <paramref name="interval"/> is within the bounds, naming <paramref name="name"/> and the bounds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static TimeSpan Check(TimeSpan interval, string name) =>
        interval >= MinInterval && interval <= MaxInterval
            ? interval
            : throw new ArgumentOutOfRangeException(name, interval, $"{name} must be between {MinInterval} and {MaxInterval} (was {interval}).");
}
