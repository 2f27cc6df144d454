namespace Cacheback.Tests.Decisions;

/// <summary>Every member of the three effects and of <see cref="Decide"/>'s public entry, case by case.</summary>
public class EffectMembersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Claim<string> AClaim =
        new(7, T0.AddMinutes(1), TimeSpan.FromMinutes(5), Envelope.Fresh(7, "old", T0, T0.AddMinutes(1)));

    [Fact]
    public void Match_RunsTheFunctionOfEachCase()
    {
        static string Which(Effect<string> effect) =>
            effect.Match(Return: r => "return " + r.Value, ReturnAndEnqueue: e => "enqueue " + e.Value, FetchSync: f => "fetch " + f.ExpectedVersion);

        Assert.Equal("return v", Which((Effect<string>)new Effect<string>.Return("v", CacheStatus.Hit)));
        Assert.Equal("enqueue s", Which((Effect<string>)new Effect<string>.ReturnAndEnqueue("s", CacheStatus.Stale, AClaim)));
        Assert.Equal("fetch 9", Which((Effect<string>)new Effect<string>.FetchSync(CacheStatus.Stale, 9)));
    }

    [Fact]
    public void Match_ANullFunction_IsRefusedByName()
    {
        var effect = (Effect<string>)new Effect<string>.Return("v", CacheStatus.Hit);

        Assert.Equal("Return", Assert.Throws<ArgumentNullException>(() => effect.Match<int>(null!, _ => 2, _ => 3)).ParamName);
        Assert.Equal("ReturnAndEnqueue", Assert.Throws<ArgumentNullException>(() => effect.Match<int>(_ => 1, null!, _ => 3)).ParamName);
        Assert.Equal("FetchSync", Assert.Throws<ArgumentNullException>(() => effect.Match<int>(_ => 1, _ => 2, null!)).ParamName);
    }

    [Theory]
    [InlineData(CacheStatus.Hit, true)]
    [InlineData(CacheStatus.Stale, true)]
    [InlineData(CacheStatus.Miss, false)]
    public void Return_HasAValue_UnlessAMiss(CacheStatus status, bool hasValue)
    {
        var effect = new Effect<string>.Return(hasValue ? "v" : null, status);

        Assert.Equal(status, effect.Status);
        Assert.Equal(status, ((Effect<string>)effect).Status);
        Assert.Equal(hasValue, effect.HasValue);
        Assert.Equal(hasValue, effect.TryGetValue(out var value));
        Assert.Equal(hasValue ? "v" : null, value);
    }

    [Fact]
    public void Return_AMissCarryingAValue_StillGivesNoValue()
    {
        Assert.False(new Effect<string>.Return("leftover", CacheStatus.Miss).TryGetValue(out var value));
        Assert.Null(value);
    }

    [Theory]
    [InlineData(CacheStatus.Stale, true)]
    [InlineData(CacheStatus.Miss, false)]
    public void ReturnAndEnqueue_HasAValue_UnlessAMiss(CacheStatus status, bool hasValue)
    {
        var effect = (Effect<string>)new Effect<string>.ReturnAndEnqueue(hasValue ? "v" : "leftover", status, AClaim);
        var typed = Assert.IsType<Effect<string>.ReturnAndEnqueue>(effect);

        Assert.Equal(status, effect.Status);
        Assert.Same(AClaim, typed.Claim);
        Assert.Equal(hasValue, typed.HasValue);
        Assert.Equal(hasValue, typed.TryGetValue(out var value));
        Assert.Equal(hasValue ? "v" : null, value);
    }

    [Fact]
    public void FetchSync_KeepsItsStatusAndVersion()
    {
        var effect = (Effect<string>)new Effect<string>.FetchSync(CacheStatus.Stale, 12);

        Assert.Equal(CacheStatus.Stale, effect.Status);
        Assert.Equal(12, Assert.IsType<Effect<string>.FetchSync>(effect).ExpectedVersion);
    }

    [Fact]
    public void FetchSync_WritesBackByDefault_AndWriteBackTakesPartInEquality()
    {
        var fetch = new Effect<string>.FetchSync(CacheStatus.Miss, 0);

        Assert.True(fetch.WriteBack);
        Assert.True(Assert.IsType<Effect<string>.FetchSync>(Decide.Read<string>(T0, null, Policy.Default)).WriteBack);
        Assert.NotEqual(fetch, fetch with { WriteBack = false });
    }

    [Fact]
    public void Cases_AreValues_EqualByTheirFields()
    {
        Assert.Equal(new Effect<string>.Return("v", CacheStatus.Stale), (Effect<string>)new Effect<string>.Return("v", CacheStatus.Stale));
        Assert.Equal(new Effect<string>.ReturnAndEnqueue("v", CacheStatus.Stale, AClaim), (Effect<string>)new Effect<string>.ReturnAndEnqueue("v", CacheStatus.Stale, AClaim));
        Assert.NotEqual((Effect<string>)new Effect<string>.Return("v", CacheStatus.Stale), (Effect<string>)new Effect<string>.Return("v", CacheStatus.Hit));
    }

    [Fact]
    public void Claim_ToEnvelope_IsTheLeasedItemUnderTheNewVersion()
    {
        var envelope = AClaim.ToEnvelope(99);

        Assert.Equal(99, envelope.Version);
        Assert.Equal("old", envelope.Value);
        Assert.Equal(T0.AddMinutes(1), envelope.LeaseUntil);
        Assert.Equal(T0, envelope.FetchedAt);
    }

    [Fact]
    public void Read_ANullPolicy_IsRefusedByName()
    {
        var e = Assert.Throws<ArgumentNullException>(() => Decide.Read(T0, Envelope.Fresh(1, "v", T0, T0.AddMinutes(1)), null!));

        Assert.Equal("policy", e.ParamName);
    }

    [Fact]
    public void HookDefaults_ANullPolicy_IsRefusedByName()
    {
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultExpiry(T0, null!)).ParamName);
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultTimeout(T0, null!)).ParamName);
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => Decide.DefaultFetchStale(TimeSpan.Zero, null!)).ParamName);
    }

    [Fact]
    public void Read_TakesTheMillisecondOfItsMoment()
    {
        // Sub-millisecond ticks are dropped (the envelope keeps milliseconds): fresh until T0+1ms means stale at T0+1ms+0.5.
        var stored = Envelope.Fresh(1, "v", T0, T0.AddMilliseconds(1));

        Assert.Equal(CacheStatus.Hit, Decide.Read(T0.AddTicks(9_999), stored, Policy.Default).Status);
        Assert.Equal(CacheStatus.Stale, Decide.Read(T0.AddTicks(15_000), stored, Policy.Default).Status);
    }
}
