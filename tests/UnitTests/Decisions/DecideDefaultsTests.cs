namespace Cacheback.Tests.Decisions;

/// <summary>
/// The hooks' default rules (<see cref="Decide.DefaultExpiry"/>, <see cref="Decide.DefaultTimeout"/>,
/// <see cref="Decide.DefaultFetchStale"/>): public, so a job's hook can answer "as without me"; a
/// null policy is named as the bad argument, not met later as a null reference.
/// </summary>
public class DecideDefaultsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

    [Fact]
    public void DefaultExpiry_OfANullPolicy_NamesIt() =>
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultExpiry(Now, null!)).ParamName);

    [Fact]
    public void DefaultTimeout_OfANullPolicy_NamesIt() =>
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultTimeout(Now, null!)).ParamName);

    [Fact]
    public void DefaultFetchStale_OfANullPolicy_NamesIt() =>
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultFetchStale(TimeSpan.Zero, null!)).ParamName);

    [Fact]
    public void Defaults_AreNowPlusLifetime_NowPlusTimeout_AndTheThresholdByAge()
    {
        var policy = Policy.Create(lifetime: TimeSpan.FromMinutes(10), refreshTimeout: TimeSpan.FromSeconds(30), fetchOnStaleThreshold: TimeSpan.FromMinutes(30));

        Assert.Equal(Now.AddMinutes(10), Decide.DefaultExpiry(Now, policy));
        Assert.Equal(Now.AddSeconds(30), Decide.DefaultTimeout(Now, policy));
        // The threshold counts from the fetch: 20 minutes past a 10-minute lifetime is 30 minutes old.
        Assert.False(Decide.DefaultFetchStale(TimeSpan.FromMinutes(20), policy));
        Assert.True(Decide.DefaultFetchStale(TimeSpan.FromMinutes(20).Add(TimeSpan.FromTicks(1)), policy));
        Assert.False(Decide.DefaultFetchStale(TimeSpan.FromDays(365), policy.WithoutFetchOnStaleThreshold()));
    }
}
