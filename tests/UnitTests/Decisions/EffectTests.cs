namespace Cacheback.Tests.Decisions;

/// <summary>The effects' values as C# sees them: the value, or default on a miss, and TryGetValue.</summary>
public class EffectTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_FreshEnvelope_ReturnsItsValue()
    {
        var effect = Decide.Read(T0.AddMinutes(1), Envelope.Fresh(3, 42, T0, T0.AddMinutes(10)), Policy.Default);

        var hit = Assert.IsType<Effect<int>.Return>(effect);
        Assert.Equal(CacheStatus.Hit, hit.Status);
        Assert.True(hit.HasValue);
        Assert.True(hit.TryGetValue(out var value));
        Assert.Equal(42, value);
    }

    [Fact]
    public void Read_Nothing_WithoutFetchOnMiss_ReturnsNoValue_AndClaimsAFill()
    {
        var effect = Decide.Read<int>(T0, null, Policy.Default.With(fetchOnMiss: false));

        var miss = Assert.IsType<Effect<int>.ReturnAndEnqueue>(effect);
        Assert.Equal(CacheStatus.Miss, miss.Status);
        Assert.False(miss.HasValue);
        Assert.False(miss.TryGetValue(out _));
        Assert.Equal(0, miss.Value);
        Assert.Equal(0, miss.Claim.ExpectedVersion);
    }

    [Fact]
    public void Read_StaleEnvelope_ServesItAndClaimsTheRefresh()
    {
        var effect = Decide.Read(T0.AddMinutes(11), Envelope.Fresh(3, "v", T0, T0.AddMinutes(10)), Policy.Default);

        var stale = Assert.IsType<Effect<string>.ReturnAndEnqueue>(effect);
        Assert.True(stale.TryGetValue(out var value));
        Assert.Equal("v", value);
        Assert.Equal(3, stale.Claim.ExpectedVersion);
        Assert.Equal(T0.AddMinutes(11) + Policy.Default.RefreshTimeout, stale.Claim.LeaseUntil);
    }

    [Fact]
    public void Cases_AreValues_EqualByTheirFields()
    {
        Assert.Equal(new Effect<string>.Return("v", CacheStatus.Hit), (Effect<string>)new Effect<string>.Return("v", CacheStatus.Hit));
        Assert.Equal(new Effect<string>.FetchSync(CacheStatus.Miss, 0), (Effect<string>)new Effect<string>.FetchSync(CacheStatus.Miss, 0));
    }
}
