namespace Cacheback.Tests.Policies;

public class PolicyTests
{
    [Fact]
    public void Default_HasDjangoCachebacksThresholds()
    {
        var policy = Policy.Default;

        Assert.Equal(TimeSpan.FromSeconds(600), policy.Lifetime);
        Assert.Equal(TimeSpan.FromSeconds(2_592_000), policy.CacheTtl);
        Assert.Equal(TimeSpan.FromSeconds(60), policy.RefreshTimeout);
        Assert.True(policy.FetchOnMiss);
        Assert.Null(policy.FetchOnStaleThreshold);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Create_NonPositiveLifetime_NamesFieldAndValue(int seconds)
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: TimeSpan.FromSeconds(seconds)));

        var error = Assert.Single(e.Errors);
        Assert.Contains("Lifetime", error);
        Assert.Contains(TimeSpan.FromSeconds(seconds).ToString(), error);
    }

    [Fact]
    public void Create_RefreshTimeoutLongerThanCacheTtl_Fails()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(lifetime: TimeSpan.FromSeconds(10), cacheTtl: TimeSpan.FromSeconds(30), refreshTimeout: TimeSpan.FromSeconds(31)));

        Assert.Contains(e.Errors, m => m.Contains("RefreshTimeout (00:00:31)") && m.Contains("CacheTtl (00:00:30)"));
    }

    [Fact]
    public void Create_LifetimeLongerThanCacheTtl_Fails()
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: TimeSpan.FromHours(2), cacheTtl: TimeSpan.FromHours(1)));

        Assert.Contains(e.Errors, m => m.StartsWith("Lifetime (02:00:00) must not exceed CacheTtl (01:00:00)", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_StaleThresholdNotAboveLifetime_Fails()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(lifetime: TimeSpan.FromMinutes(10), fetchOnStaleThreshold: TimeSpan.FromMinutes(10)));

        Assert.Contains(e.Errors, m => m.Contains("FetchOnStaleThreshold (00:10:00)"));
    }

    [Fact]
    public void Create_SeveralProblems_ReportsEveryOne()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(lifetime: TimeSpan.Zero, cacheTtl: TimeSpan.FromSeconds(-1), refreshTimeout: TimeSpan.Zero));

        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("Lifetime", e.Message);
        Assert.Contains("CacheTtl", e.Message);
        Assert.Contains("RefreshTimeout", e.Message);
    }

    [Fact]
    public void With_RevalidatesTheResult()
    {
        var policy = Policy.Create(lifetime: TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromSeconds(7), policy.With(lifetime: TimeSpan.FromSeconds(7)).Lifetime);
        Assert.Throws<PolicyValidationException>(() => policy.With(refreshTimeout: TimeSpan.FromDays(60)));
    }

    [Fact]
    public void With_NullKeepsTheStaleThreshold()
    {
        var policy = Policy.Create(fetchOnStaleThreshold: TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.FromHours(1), policy.With(lifetime: TimeSpan.FromMinutes(1)).FetchOnStaleThreshold);
    }

    [Fact]
    public void WithoutFetchOnStaleThreshold_ClearsIt()
    {
        var policy = Policy.Create(fetchOnStaleThreshold: TimeSpan.FromHours(1));

        var cleared = policy.WithoutFetchOnStaleThreshold();

        Assert.Null(cleared.FetchOnStaleThreshold);
        Assert.Equal(policy.Lifetime, cleared.Lifetime);
        Assert.Same(cleared, cleared.WithoutFetchOnStaleThreshold());
    }

    [Fact]
    public void TryCreate_InvalidValues_ReturnsEveryErrorInsteadOfThrowing()
    {
        var ok = Policy.TryCreate(TimeSpan.Zero, TimeSpan.FromDays(1), TimeSpan.FromDays(2), true, null, out var policy, out var errors);

        Assert.False(ok);
        Assert.Null(policy);
        Assert.Collection(
            errors,
            e => Assert.Equal("Lifetime must be at least 1 ms, but was 00:00:00", e),
            e => Assert.Equal("RefreshTimeout (2.00:00:00) must not exceed CacheTtl (1.00:00:00)", e));
    }

    [Fact]
    public void TryCreate_ValidValues_ReturnsThePolicyAndNoErrors()
    {
        var ok = Policy.TryCreate(TimeSpan.FromMinutes(1), TimeSpan.FromDays(1), TimeSpan.FromMinutes(2), false, null, out var policy, out var errors);

        Assert.True(ok);
        Assert.Equal(Policy.Create(lifetime: TimeSpan.FromMinutes(1), cacheTtl: TimeSpan.FromDays(1), refreshTimeout: TimeSpan.FromMinutes(2), fetchOnMiss: false), policy);
        Assert.Empty(errors);
    }

    [Fact]
    public void Equals_SameThresholds_AreEqual()
    {
        Assert.Equal(Policy.Create(lifetime: TimeSpan.FromSeconds(3)), Policy.Create(lifetime: TimeSpan.FromSeconds(3)));
        Assert.NotEqual(Policy.Create(lifetime: TimeSpan.FromSeconds(3)), Policy.Default);
    }
}
