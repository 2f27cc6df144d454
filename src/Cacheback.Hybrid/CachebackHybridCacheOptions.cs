using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid;

/// <summary>
/// HybridCache's options, and Cacheback's on top: how long a value past its
/// <see cref="HybridCacheEntryOptions.Expiration"/> is still served while one refresh runs, and how
/// long that refresh may take. An <c>AddHybridCache(options => ...)</c> lambda compiles unchanged
/// against <c>AddCachebackHybridCache</c>.
/// </summary>
public class CachebackHybridCacheOptions : HybridCacheOptions
{
    /// <summary>The longest <see cref="StaleFor"/>, <see cref="TagRetention"/> and entry expiration: 100 years, the envelope's time range.</summary>
    public static readonly TimeSpan MaxDuration = PolicyLimits.MaxDuration;

    /// <summary>The longest <see cref="RefreshTimeout"/>: the longest timer .NET can start (about 49.7 days).</summary>
    public static readonly TimeSpan MaxRefreshTimeout = PolicyLimits.MaxTimerDuration;

    /// <summary>
    /// How long after its expiration a value is still served (as stale) while one background refresh
    /// runs; past it, a read is a miss and waits for the factory. <see cref="TimeSpan.Zero"/>: entries
    /// expire as in Microsoft's HybridCache.
    /// </summary>
    /// <value>Default 1 hour; 0 to <see cref="MaxDuration"/>.</value>
    public TimeSpan StaleFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a background refresh may run (its factory's token is cancelled then), and how long
    /// no other refresh of the key starts, on any node sharing the store. Never longer than an
    /// entry's expiration plus <see cref="StaleFor"/>.
    /// </summary>
    /// <value>Default 60 seconds; 1 ms to <see cref="MaxRefreshTimeout"/>.</value>
    public TimeSpan RefreshTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Which store of the Cacheback runtime holds the entries (and, for a shared store, the tags).</summary>
    /// <value>Default <see cref="CachebackRuntimeOptions.DefaultName"/>.</value>
    public string StoreName { get; set; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>
    /// How long a shared store keeps a tag's invalidation counter after its last invalidation. Entries
    /// never live longer (their expiration plus <see cref="StaleFor"/> is cut to it), so a counter
    /// that expires can never bring an invalidated entry back. The embedded store keeps tags in memory for good.
    /// </summary>
    /// <value>Default 30 days; 1 second to <see cref="MaxDuration"/>.</value>
    public TimeSpan TagRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Checks every bound; the message names the option, its value and the limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    internal void Validate()
    {
        Within(nameof(StaleFor), StaleFor, TimeSpan.Zero, MaxDuration);
        Within(nameof(RefreshTimeout), RefreshTimeout, TimeSpan.FromMilliseconds(1), MaxRefreshTimeout);
        Within(nameof(TagRetention), TagRetention, TimeSpan.FromSeconds(1), MaxDuration);
        if (MaximumPayloadBytes is <= 0 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(MaximumPayloadBytes), MaximumPayloadBytes, $"{nameof(MaximumPayloadBytes)} must be between 1 and {int.MaxValue} (2 GiB).");
        if (MaximumKeyLength <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaximumKeyLength), MaximumKeyLength, $"{nameof(MaximumKeyLength)} must be at least 1.");
        ArgumentException.ThrowIfNullOrWhiteSpace(StoreName, nameof(StoreName));
        if (DefaultEntryOptions is { } defaults)
            EntryExpiration(defaults.Expiration, "DefaultEntryOptions.Expiration");
    }

    /// <summary>An entry expiration checked against its bounds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is shorter than 1 ms or longer than <see cref="MaxDuration"/>.</exception>
    internal static TimeSpan? EntryExpiration(TimeSpan? expiration, string name)
    {
        if (expiration is { } value)
            Within(name, value, TimeSpan.FromMilliseconds(1), MaxDuration);
        return expiration;
    }

    private static void Within(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}, but was {value}.");
    }
}
