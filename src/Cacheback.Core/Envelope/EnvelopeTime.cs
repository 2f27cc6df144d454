namespace Cacheback;

/// <summary>
/// Arithmetic on the Unix milliseconds an envelope stores, saturating at the range the codec reads
/// (1970 to 9999-12-31) instead of overflowing or writing a time no reader accepts.
/// </summary>
internal static class EnvelopeTime
{
    /// <summary><see cref="DateTimeOffset.MaxValue"/> in Unix milliseconds (9999-12-31T23:59:59.999Z): the latest time an envelope holds.</summary>
    public const long MaxUnixMs = 253_402_300_799_999;

    /// <summary><paramref name="nowMs"/> + <paramref name="durationMs"/>, at most <see cref="MaxUnixMs"/>.</summary>
    public static long Add(long nowMs, long durationMs) =>
        durationMs > MaxUnixMs - nowMs ? MaxUnixMs : nowMs + durationMs;

    /// <summary><paramref name="time"/> + <paramref name="duration"/>, at most <see cref="DateTimeOffset.MaxValue"/>.</summary>
    public static DateTimeOffset Add(DateTimeOffset time, TimeSpan duration) =>
        duration > DateTimeOffset.MaxValue - time ? DateTimeOffset.MaxValue : time + duration;

    /// <summary>
    /// What a job's hook returned (an expiry, a lease end), brought into [<paramref name="nowMs"/>,
    /// <paramref name="nowMs"/> + <paramref name="ttlMs"/>]: a time before now means "already past",
    /// and a time past the TTL means "for as long as the item is kept", so neither changes meaning,
    /// and the envelope always holds a time the codec reads.
    /// </summary>
    public static long FromHook(long hookTimeMs, long nowMs, long ttlMs)
    {
        // A time before 1970 is negative milliseconds: the clamp lifts it to now.
        return Math.Clamp(hookTimeMs, nowMs, Add(nowMs, ttlMs));
    }
}
