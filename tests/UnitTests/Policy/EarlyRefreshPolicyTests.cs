namespace Cacheback.Tests.Policies;

/// <summary>The bounds of <see cref="Policy.EarlyRefreshBeta"/> and <see cref="Policy.LifetimeJitter"/>: checked when built, off by default.</summary>
public class EarlyRefreshPolicyTests
{
    [Fact]
    public void Default_HasEarlyRefreshAndJitterOff()
    {
        Assert.Equal(0, Policy.Default.EarlyRefreshBeta);
        Assert.Equal(0, Policy.Default.LifetimeJitter);
    }

    [Theory]
    [InlineData(-0.001)]
    [InlineData(10.001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Create_EarlyRefreshBetaOutOfBounds_NamesTheFieldAndTheLimit(double beta)
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(earlyRefreshBeta: beta));

        var error = Assert.Single(e.Errors);
        Assert.Contains("EarlyRefreshBeta must be between 0 and 10", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5001)]
    [InlineData(double.NaN)]
    public void Create_LifetimeJitterOutOfBounds_NamesTheFieldAndTheLimit(double jitter)
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Default.With(lifetimeJitter: jitter));

        var error = Assert.Single(e.Errors);
        Assert.Contains("LifetimeJitter must be between 0 and 0.5", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TheBoundsThemselves_AreAccepted_AndKeptByWith()
    {
        var policy = Policy.Create(earlyRefreshBeta: PolicyLimits.MaxEarlyRefreshBeta, lifetimeJitter: PolicyLimits.MaxLifetimeJitter);
        var derived = policy.With(lifetime: TimeSpan.FromSeconds(30)).WithoutFetchOnStaleThreshold();

        Assert.Equal(10, derived.EarlyRefreshBeta);
        Assert.Equal(0.5, derived.LifetimeJitter);
        Assert.NotEqual(Policy.Create(lifetime: TimeSpan.FromSeconds(30)), derived);
        Assert.Equal(Policy.Create(lifetime: TimeSpan.FromSeconds(30), earlyRefreshBeta: 10, lifetimeJitter: 0.5), derived);
        Assert.Contains("EarlyRefreshBeta=10, LifetimeJitter=0.5", derived.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BothOutOfBounds_ReportsBoth()
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(earlyRefreshBeta: -1, lifetimeJitter: 2));

        Assert.Equal(2, e.Errors.Count);
    }
}
