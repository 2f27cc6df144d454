namespace Cacheback;

/// <summary>
/// The largest values the settings accept, checked when a <see cref="Policy"/> or the runtime's
/// options are built: past them a setting would pass validation and then break at run time.
/// </summary>
public static class PolicyLimits
{
    /// <summary>
    /// The longest <see cref="Policy.Lifetime"/>, <see cref="Policy.CacheTtl"/> and
    /// <see cref="Policy.FetchOnStaleThreshold"/>: 36,500 days (100 years).
    /// </summary>
    /// <remarks>
    /// Envelopes store times as Unix milliseconds up to 9999-12-31, and a store's TTL is
    /// milliseconds too (Redis's <c>PX</c> takes far more): 100 years keeps <c>now + value</c> inside
    /// the envelope's range for any clock this side of the year 9899, with room to spare.
    /// </remarks>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(36_500);

    /// <summary>
    /// The longest duration that feeds a timer (<see cref="Policy.RefreshTimeout"/>, the refresh
    /// pipeline's timeout, the drain timeout): 4,294,967,294 ms, about 49.7 days.
    /// </summary>
    /// <remarks>
    /// What <see cref="TimeProvider.CreateTimer"/>, a <see cref="CancellationTokenSource"/>'s delay
    /// and <see cref="Task.WaitAsync(TimeSpan, TimeProvider)"/> accept (<c>uint.MaxValue - 1</c> ms);
    /// anything longer throws <see cref="ArgumentOutOfRangeException"/> each time a timer is started.
    /// </remarks>
    public static readonly TimeSpan MaxTimerDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The most refreshes one queue runs at once: 1,024.</summary>
    /// <remarks>Each is a fetch in flight against a backend; more than this exhausts the thread pool and the backend's connections first.</remarks>
    public const int MaxConcurrency = 1024;

    /// <summary>The largest <see cref="Policy.EarlyRefreshBeta"/>: 10.</summary>
    /// <remarks>XFetch's usual weight is 1; at 10 a key whose fetch takes a second is already refreshed most of the time ten seconds before it goes stale.</remarks>
    public const double MaxEarlyRefreshBeta = 10;

    /// <summary>The largest <see cref="Policy.LifetimeJitter"/>: 0.5, half the lifetime.</summary>
    public const double MaxLifetimeJitter = 0.5;
}
