namespace Cacheback.Tests.Storage.Clock;

/// <summary>The store clock's offset from a few readings: the quickest round trip, its midpoint.</summary>
public class OffsetEstimatorTests
{
    [Fact]
    public void Estimate_OneSample_IsStoreTimeMinusTheMidpointOfTheRoundTrip()
    {
        // Sent at 1,000, answered at 1,010: the store read its clock (21,005) at about 1,005.
        Assert.Equal(20_000, OffsetEstimator.Estimate([new ClockSample(1_000, 21_005, 1_010)]));
    }

    [Fact]
    public void Estimate_SeveralSamples_KeepsTheQuickestRoundTrip()
    {
        ClockSample[] samples =
        [
            new(1_000, 21_900, 1_400), // slow: its midpoint guess (1,200) may be 200 ms off
            new(2_000, 22_001, 2_002), // quickest: offset 20,000
            new(3_000, 23_030, 3_050),
        ];

        Assert.Equal(20_000, OffsetEstimator.Estimate(samples));
    }

    [Fact]
    public void Estimate_TiedRoundTrips_KeepsTheFirst()
    {
        Assert.Equal(-5_000, OffsetEstimator.Estimate([new ClockSample(10_000, 5_001, 10_002), new ClockSample(20_000, 15_011, 20_002)]));
    }

    [Fact]
    public void Estimate_OddRoundTrip_RoundsTheMidpointDown()
    {
        Assert.Equal(100, OffsetEstimator.Estimate([new ClockSample(0, 101, 3)]));
    }

    [Fact]
    public void Estimate_ZeroRoundTrip_StoreTimeMinusThatInstant()
    {
        Assert.Equal(-1_767_225_600_000 + 1_764_460_800_123, OffsetEstimator.Estimate([new ClockSample(1_767_225_600_000, 1_764_460_800_123, 1_767_225_600_000)]));
    }

    [Fact]
    public void Estimate_ASampleWhoseLocalClockRanBackwards_IsIgnored()
    {
        // A negative round trip would otherwise win as the "quickest".
        Assert.Equal(7, OffsetEstimator.Estimate([new ClockSample(1_000, 999_999, 500), new ClockSample(1_000, 1_012, 1_010)]));
    }

    [Fact]
    public void Estimate_NoUsableSample_IsNull()
    {
        Assert.Null(OffsetEstimator.Estimate([]));
        Assert.Null(OffsetEstimator.Estimate([new ClockSample(10, 10, 9)]));
    }
}
