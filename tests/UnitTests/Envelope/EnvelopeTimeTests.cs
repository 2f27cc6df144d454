namespace Cacheback.Tests.Envelopes;

/// <summary>
/// <see cref="EnvelopeTime"/>: sums of times and durations saturate at the latest time an envelope
/// holds (9999-12-31T23:59:59.999Z) instead of overflowing, and are exact below it.
/// </summary>
public class EnvelopeTimeTests
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    private const long Max = EnvelopeTime.MaxUnixMs;

    [Fact]
    public void MaxUnixMs_IsDateTimeOffsetMaxValue_InWholeMilliseconds()
    {
        Assert.Equal(Max, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData(T0, 0, T0)]
    [InlineData(T0, 1, T0 + 1)]
    [InlineData(T0, Max - T0 - 1, Max - 1)]
    [InlineData(T0, Max - T0, Max)] // exactly the latest time
    [InlineData(T0, Max - T0 + 1, Max)] // one past: saturated
    [InlineData(T0, T0, 2 * T0)] // well inside the range
    [InlineData(T0, Max, Max)] // past the end, but short of Max + now: still saturated
    [InlineData(T0, long.MaxValue, Max)] // would overflow a long
    [InlineData(1, Max - 1, Max)]
    [InlineData(1, Max, Max)]
    public void Add_Milliseconds_IsTheSum_SaturatedAtTheLatestTime(long nowMs, long durationMs, long expected)
    {
        Assert.Equal(expected, EnvelopeTime.Add(nowMs, durationMs));
    }

    [Fact]
    public void Add_Milliseconds_AnyDurationPastTheEnd_GivesTheLatestTime()
    {
        foreach (var past in new[] { 1L, 1_000L, T0 - 1, T0, T0 + 1, Max, long.MaxValue - Max })
            Assert.Equal(Max, EnvelopeTime.Add(T0, Max - T0 + past));
    }

    [Fact]
    public void Add_DateTimeOffset_IsTheSum_BelowTheEnd()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(T0);

        Assert.Equal(t0.AddHours(1), EnvelopeTime.Add(t0, TimeSpan.FromHours(1)));
        Assert.Equal(DateTimeOffset.MaxValue, EnvelopeTime.Add(t0, DateTimeOffset.MaxValue - t0));
        Assert.Equal(DateTimeOffset.MaxValue - TimeSpan.FromTicks(1), EnvelopeTime.Add(t0, DateTimeOffset.MaxValue - t0 - TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void Add_DateTimeOffset_PastTheEnd_SaturatesInsteadOfThrowing()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(T0);

        Assert.Equal(DateTimeOffset.MaxValue, EnvelopeTime.Add(t0, DateTimeOffset.MaxValue - t0 + TimeSpan.FromTicks(1)));
        Assert.Equal(DateTimeOffset.MaxValue, EnvelopeTime.Add(t0, TimeSpan.MaxValue));
        Assert.Equal(DateTimeOffset.MaxValue, EnvelopeTime.Add(DateTimeOffset.MaxValue, TimeSpan.FromTicks(1)));
    }

    [Theory]
    [InlineData(T0 + 500, T0, 1_000, T0 + 500)] // inside: kept
    [InlineData(T0 - 1, T0, 1_000, T0)] // already past: now
    [InlineData(-5, T0, 1_000, T0)] // before 1970: now
    [InlineData(T0 + 1_001, T0, 1_000, T0 + 1_000)] // past the TTL: for as long as it is kept
    [InlineData(long.MaxValue, T0, long.MaxValue, Max)] // a TTL past the end: the latest time
    public void FromHook_ClampsIntoNowToNowPlusTheTtl(long hookMs, long nowMs, long ttlMs, long expected)
    {
        Assert.Equal(expected, EnvelopeTime.FromHook(hookMs, nowMs, ttlMs));
    }
}
