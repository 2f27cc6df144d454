namespace Cacheback.Tests.Envelopes;

/// <summary>The envelope's builders at their limits, and the members it is compared and printed by.</summary>
public class EnvelopeMembersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FirstMs = DateTimeOffset.FromUnixTimeMilliseconds(1);

    [Fact]
    public void Builders_TakeTheFirstMillisecondAfter1970_AndRefuseTheEpoch()
    {
        Assert.Equal(FirstMs, Envelope.Fresh(1, "v", FirstMs, FirstMs).FetchedAt);
        Assert.Equal(FirstMs, Envelope.Placeholder<string>(1, FirstMs, FirstMs).LeaseUntil);

        var epoch = DateTimeOffset.UnixEpoch;
        Assert.Equal("fetchedAt", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(1, "v", epoch, T0)).ParamName);
        Assert.Equal("freshUntil", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(1, "v", T0, epoch)).ParamName);
        Assert.Equal("writtenAt", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Placeholder<string>(1, epoch, T0)).ParamName);
        Assert.Equal("leaseUntil", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Placeholder<string>(1, T0, epoch)).ParamName);
        Assert.Equal("leaseUntil", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(1, "v", T0, T0).WithLease(2, epoch)).ParamName);
    }

    [Fact]
    public void Builders_RefuseVersionZero_WhichMeansAbsent()
    {
        Assert.Equal("version", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(0, "v", T0, T0)).ParamName);
        Assert.Equal("version", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Placeholder<string>(0, T0, T0)).ParamName);
        Assert.Equal("version", Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(1, "v", T0, T0).WithLease(0, T0)).ParamName);
        Assert.Equal(1, Envelope.Fresh(1, "v", T0, T0).Version);
    }

    [Fact]
    public void Builders_SayWhyTheyRefuse()
    {
        Assert.StartsWith(
            "A stored version is never 0: 0 means absent.",
            Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(0, "v", T0, T0)).Message,
            StringComparison.Ordinal);
        Assert.StartsWith(
            "Times are stored as milliseconds after 1970-01-01.",
            Assert.Throws<ArgumentOutOfRangeException>(() => Envelope.Fresh(1, "v", DateTimeOffset.UnixEpoch, T0)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholder_IsFreshUntilItWasWritten_AndLeased()
    {
        var placeholder = Envelope.Placeholder<string>(5, T0, T0.AddMinutes(1));

        Assert.Equal((T0, T0, (DateTimeOffset?)T0.AddMinutes(1)), (placeholder.FetchedAt, placeholder.FreshUntil, placeholder.LeaseUntil));
        Assert.Null(placeholder.Value);
        Assert.Null(placeholder.RawValue);
    }

    [Fact]
    public void APlaceholderHoldingALeftoverValue_StillShowsNone()
    {
        var placeholder = Envelope.FromMs(1, false, "leftover", 10, 10, 0);

        Assert.Null(placeholder.Value);
        Assert.False(placeholder.TryGetValue(out var value));
        Assert.Null(value);
        Assert.Contains("<empty>", placeholder.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithLease_KeepsEverythingButTheVersionAndLease()
    {
        var fresh = Envelope.Fresh(3, "v", T0, T0.AddMinutes(10));
        var leased = fresh.WithLease(4, T0.AddMinutes(11));

        Assert.Equal(Envelope.FromMs(4, true, "v", fresh.FetchedAtMs, fresh.FreshUntilMs, fresh.FreshUntilMs + 60_000), leased);
        Assert.False(Envelope.Placeholder<string>(3, T0, T0).WithLease(4, T0.AddMinutes(1)).HasValue);
    }

    [Fact]
    public void NewVersion_IsNeverZero_AndBelowTwoTo53()
    {
        for (var i = 0; i < 1000; i++)
            Assert.InRange(Envelope.NewVersion(), 1, Envelope.MaxVersion - 1);
        Assert.Equal(9_007_199_254_740_992, Envelope.MaxVersion);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Equals_EnvelopesDifferingInOneField_AreNotEqual(int field)
    {
        var a = Envelope.FromMs(1, true, "v", 10, 20, 30);
        var b = Envelope.FromMs(
            field == 0 ? 2 : 1, field != 1, field == 2 ? "w" : "v", field == 3 ? 11 : 10, field == 4 ? 21 : 20, field == 5 ? 31 : 30);

        Assert.False(a.Equals(b));
        Assert.False(a.Equals((object)b));
        Assert.NotEqual(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_SameFields_AreEqual_AndNeverEqualNullOrAnotherType()
    {
        var a = Envelope.FromMs(1, true, "v", 10, 20, 30);

        Assert.True(a.Equals(Envelope.FromMs(1, true, "v", 10, 20, 30)));
        Assert.True(a.Equals((object)Envelope.FromMs(1, true, "v", 10, 20, 30)));
        Assert.Equal(a.GetHashCode(), Envelope.FromMs(1, true, "v", 10, 20, 30).GetHashCode());
        Assert.False(a.Equals(null));
        Assert.False(a.Equals("v"));
    }

    [Fact]
    public void ToString_ShowsEveryField()
    {
        Assert.Equal(
            "Envelope(v3, v, fetched 2026-01-01T00:00:00.0000000+00:00, fresh until 2026-01-01T00:10:00.0000000+00:00, lease none)",
            Envelope.Fresh(3, "v", T0, T0.AddMinutes(10)).ToString());
        Assert.Equal(
            "Envelope(v4, <empty>, fetched 2026-01-01T00:00:00.0000000+00:00, fresh until 2026-01-01T00:00:00.0000000+00:00, lease 2026-01-01T00:01:00.0000000+00:00)",
            Envelope.Placeholder<string>(4, T0, T0.AddMinutes(1)).ToString());
    }
}
