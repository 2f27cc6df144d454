namespace Cacheback.Tests.Policies;

/// <summary>
/// Each validation rule of <see cref="Policy"/> at its limit (valid) and one tick past it (invalid),
/// and the members a policy is compared, copied and printed by.
/// </summary>
public class PolicyBoundaryTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private static readonly TimeSpan OneMs = TimeSpan.FromMilliseconds(1);

    [Theory]
    [InlineData("Lifetime")]
    [InlineData("CacheTtl")]
    [InlineData("RefreshTimeout")]
    public void Create_EachDuration_OneMillisecondIsTheLeastAccepted(string field)
    {
        // The other durations at 1 ms too, so no other rule (not longer than the TTL) interferes.
        var policy = Policy.Create(lifetime: OneMs, cacheTtl: OneMs, refreshTimeout: OneMs);
        Assert.Equal(OneMs, policy.Lifetime);
        Assert.Equal(1, policy.CacheTtlMs);

        var tooShort = OneMs - Tick;
        var e = Assert.Throws<PolicyValidationException>(() => field switch
        {
            "Lifetime" => Policy.Create(lifetime: tooShort, cacheTtl: OneMs, refreshTimeout: OneMs),
            "CacheTtl" => Policy.Create(lifetime: tooShort, cacheTtl: tooShort, refreshTimeout: tooShort),
            _ => Policy.Create(lifetime: OneMs, cacheTtl: OneMs, refreshTimeout: tooShort),
        });
        Assert.Contains(e.Errors, m => m == $"{field} must be at least 1 ms, but was {tooShort}");
    }

    [Fact]
    public void Create_LifetimeEqualToTheCacheTtl_IsAccepted_OneTickMoreIsNot()
    {
        var ttl = TimeSpan.FromSeconds(30);
        Assert.Equal(ttl, Policy.Create(lifetime: ttl, cacheTtl: ttl, refreshTimeout: OneMs).Lifetime);

        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: ttl + Tick, cacheTtl: ttl, refreshTimeout: OneMs));
        var error = Assert.Single(e.Errors);
        Assert.Equal(
            $"Lifetime ({ttl + Tick}) must not exceed CacheTtl ({ttl}): the item would be dropped before it ever went stale",
            error);
    }

    [Fact]
    public void Create_RefreshTimeoutEqualToTheCacheTtl_IsAccepted_OneTickMoreIsNot()
    {
        var ttl = TimeSpan.FromSeconds(30);
        Assert.Equal(ttl, Policy.Create(lifetime: OneMs, cacheTtl: ttl, refreshTimeout: ttl).RefreshTimeout);

        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: OneMs, cacheTtl: ttl, refreshTimeout: ttl + Tick));
        Assert.Equal($"RefreshTimeout ({ttl + Tick}) must not exceed CacheTtl ({ttl})", Assert.Single(e.Errors));
    }

    [Fact]
    public void Create_StaleThresholdOneTickAboveTheLifetime_IsAccepted_EqualIsNot()
    {
        var lifetime = TimeSpan.FromSeconds(10);
        Assert.Equal(lifetime + Tick, Policy.Create(lifetime: lifetime, fetchOnStaleThreshold: lifetime + Tick).FetchOnStaleThreshold);

        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: lifetime, fetchOnStaleThreshold: lifetime));
        Assert.Equal(
            $"FetchOnStaleThreshold ({lifetime}) must be longer than Lifetime ({lifetime}): data younger than the lifetime is fresh, not stale",
            Assert.Single(e.Errors));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Create_ABadCacheTtl_IsReportedOnce_NotAlsoAsShorterThanTheOthers(int ttlSeconds)
    {
        // The comparisons with the TTL are skipped when the TTL itself is refused: one problem, one error.
        var ttl = TimeSpan.FromSeconds(ttlSeconds);
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(lifetime: TimeSpan.FromSeconds(5), cacheTtl: ttl, refreshTimeout: TimeSpan.FromSeconds(5)));

        Assert.Equal($"CacheTtl must be at least 1 ms, but was {ttl}", Assert.Single(e.Errors));
    }

    [Fact]
    public void Create_NoThreshold_MeansNeverTooStale()
    {
        var policy = Policy.Create();

        Assert.Null(policy.FetchOnStaleThreshold);
        Assert.Equal(long.MaxValue, policy.FetchOnStaleThresholdMs);
        Assert.Equal(11_000, Policy.Create(fetchOnStaleThreshold: TimeSpan.FromSeconds(700), lifetime: TimeSpan.FromSeconds(11)).LifetimeMs);
        Assert.Equal(700_000, Policy.Create(fetchOnStaleThreshold: TimeSpan.FromSeconds(700)).FetchOnStaleThresholdMs);
        Assert.Equal(60_000, policy.RefreshTimeoutMs);
    }

    [Fact]
    public void ValidationException_ListsEveryProblem_InItsMessage()
    {
        var e = new PolicyValidationException(["first", "second"]);

        Assert.Equal("Invalid cache policy: first; second", e.Message);
        Assert.Equal(["first", "second"], e.Errors);
    }

    [Fact]
    public void TryCreate_Invalid_GivesNoPolicy_AndTheSameErrorsCreateThrows()
    {
        Assert.False(Policy.TryCreate(TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), true, null, out var policy, out var errors));

        Assert.Null(policy);
        Assert.Equal(Assert.Throws<PolicyValidationException>(() => Policy.Create(lifetime: TimeSpan.Zero, cacheTtl: TimeSpan.FromHours(1), refreshTimeout: TimeSpan.FromSeconds(1))).Errors, errors);
    }

    [Fact]
    public void TryCreate_Valid_GivesThePolicyWithEveryField()
    {
        Assert.True(Policy.TryCreate(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3), out var policy, out var errors));

        Assert.Empty(errors);
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3)), policy);
    }

    [Fact]
    public void Create_EachArgument_LandsInItsOwnField_AndTheRestTakeTheDefaults()
    {
        var policy = Policy.Create(fetchOnMiss: false);
        Assert.False(policy.FetchOnMiss);
        Assert.Equal(PolicyDefaults.Lifetime, policy.Lifetime);
        Assert.Equal(PolicyDefaults.CacheTtl, policy.CacheTtl);
        Assert.Equal(PolicyDefaults.RefreshTimeout, policy.RefreshTimeout);

        var custom = Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), true, TimeSpan.FromSeconds(3));
        Assert.Equal(
            (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), true, (TimeSpan?)TimeSpan.FromSeconds(3)),
            (custom.Lifetime, custom.CacheTtl, custom.RefreshTimeout, custom.FetchOnMiss, custom.FetchOnStaleThreshold));
    }

    [Fact]
    public void With_ChangesOnlyWhatItIsGiven()
    {
        var policy = Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3));

        Assert.Equal(policy, policy.With());
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3)), policy.With(lifetime: TimeSpan.FromSeconds(2)));
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3)), policy.With(cacheTtl: TimeSpan.FromSeconds(8)));
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(4), false, TimeSpan.FromSeconds(3)), policy.With(refreshTimeout: TimeSpan.FromSeconds(4)));
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), true, TimeSpan.FromSeconds(3)), policy.With(fetchOnMiss: true));
        Assert.Equal(Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(5)), policy.With(fetchOnStaleThreshold: TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void WithoutFetchOnStaleThreshold_WithoutOne_IsTheSameInstance()
    {
        var policy = Policy.Create();

        Assert.Same(policy, policy.WithoutFetchOnStaleThreshold());
        var withThreshold = policy.With(fetchOnStaleThreshold: TimeSpan.FromHours(1));
        var without = withThreshold.WithoutFetchOnStaleThreshold();
        Assert.Null(without.FetchOnStaleThreshold);
        Assert.Equal(policy, without);
    }

    [Theory]
    [InlineData("lifetime")]
    [InlineData("cacheTtl")]
    [InlineData("refreshTimeout")]
    [InlineData("fetchOnMiss")]
    [InlineData("fetchOnStaleThreshold")]
    public void Equals_PoliciesDifferingInOneField_AreNotEqual(string field)
    {
        var policy = Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3));
        var other = field switch
        {
            "lifetime" => policy.With(lifetime: TimeSpan.FromSeconds(2)),
            "cacheTtl" => policy.With(cacheTtl: TimeSpan.FromSeconds(8)),
            "refreshTimeout" => policy.With(refreshTimeout: TimeSpan.FromSeconds(4)),
            "fetchOnMiss" => policy.With(fetchOnMiss: true),
            _ => policy.With(fetchOnStaleThreshold: TimeSpan.FromSeconds(5)),
        };

        Assert.False(policy.Equals(other));
        Assert.False(policy.Equals((object)other));
        Assert.NotEqual(policy.GetHashCode(), other.GetHashCode());
    }

    [Fact]
    public void Equals_SameFields_AreEqual_WithEqualHashes_AndNeverEqualNullOrAnotherType()
    {
        var a = Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3));
        var b = Policy.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(2), false, TimeSpan.FromSeconds(3));

        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object?)null));
        Assert.False(a.Equals("a policy"));
    }

    [Fact]
    public void ToString_NamesEveryField_AndNoneForAMissingThreshold()
    {
        Assert.Equal(
            "Policy(Lifetime=00:10:00, CacheTtl=30.00:00:00, RefreshTimeout=00:01:00, FetchOnMiss=True, FetchOnStaleThreshold=none)",
            Policy.Default.ToString());
        Assert.Equal(
            "Policy(Lifetime=00:10:00, CacheTtl=30.00:00:00, RefreshTimeout=00:01:00, FetchOnMiss=False, FetchOnStaleThreshold=01:00:00)",
            Policy.Default.With(fetchOnMiss: false, fetchOnStaleThreshold: TimeSpan.FromHours(1)).ToString());
    }
}
