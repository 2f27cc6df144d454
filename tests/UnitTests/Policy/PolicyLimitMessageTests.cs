namespace Cacheback.Tests.Policies;

/// <summary>
/// Each upper bound of <see cref="Policy"/>, refused with the whole message: the field, the limit,
/// why the limit is there, and the value given.
/// </summary>
public class PolicyLimitMessageTests
{
    private static readonly TimeSpan OverACentury = TimeSpan.FromDays(36_500) + TimeSpan.FromMilliseconds(1);

    private static IReadOnlyList<string> Errors(Func<Policy> create) =>
        Assert.Throws<PolicyValidationException>(() => create()).Errors;

    [Fact]
    public void LifetimeAndTtl_PastACentury_SayTheEnvelopesTimeRangeEndsThere()
    {
        var errors = Errors(() => Policy.Create(lifetime: OverACentury, cacheTtl: OverACentury));

        Assert.Equal(
            [
                $"Lifetime must be at most 36500.00:00:00 (100 years: beyond it, fetched-at plus the lifetime leaves the envelope's time range), but was {OverACentury}",
                $"CacheTtl must be at most 36500.00:00:00 (100 years: beyond it, fetched-at plus the TTL leaves the envelope's time range), but was {OverACentury}",
            ],
            errors);
    }

    [Fact]
    public void RefreshTimeout_PastTheLongestTimer_SaysItTimesEveryFetch()
    {
        var errors = Errors(() => Policy.Create(refreshTimeout: TimeSpan.FromDays(60), cacheTtl: TimeSpan.FromDays(90)));

        Assert.Equal(
            "RefreshTimeout must be at most 49.17:02:47.2940000 (the longest timer .NET can start (uint.MaxValue - 1 ms, about 49.7 days): the refresh timeout times every fetch), but was 60.00:00:00",
            Assert.Single(errors));
    }

    [Fact]
    public void FetchOnStaleThreshold_PastACentury_IsRefused()
    {
        var errors = Errors(() => Policy.Create(fetchOnStaleThreshold: OverACentury));

        Assert.Equal($"FetchOnStaleThreshold must be at most 36500.00:00:00 (100 years), but was {OverACentury}", Assert.Single(errors));
    }

    [Fact]
    public void EarlyRefreshBeta_PastTen_SaysARefreshWouldStartTooEarly()
    {
        Assert.Equal(
            "EarlyRefreshBeta must be between 0 and 10 (past it a refresh starts so early that it stops saving fetches), but was 10.5",
            Assert.Single(Errors(() => Policy.Create(earlyRefreshBeta: 10.5))));
    }

    [Fact]
    public void LifetimeJitter_PastAHalf_SaysAnItemCouldGoStaleTooSoon()
    {
        Assert.Equal(
            "LifetimeJitter must be between 0 and 0.5 (past it an item could go stale after less than half its lifetime), but was 0.6",
            Assert.Single(Errors(() => Policy.Create(lifetimeJitter: 0.6))));
    }
}
