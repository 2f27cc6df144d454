namespace Cacheback.Tests.Envelopes;

/// <summary>What C# callers see of an envelope: BCL shapes, no wrapper types.</summary>
public class EnvelopeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Fresh_HasItsValue_AndNoLease()
    {
        var envelope = Envelope.Fresh(3, "v", T0, T0.AddMinutes(10));

        Assert.True(envelope.HasValue);
        Assert.Equal("v", envelope.Value);
        Assert.True(envelope.TryGetValue(out var value));
        Assert.Equal("v", value);
        Assert.Null(envelope.LeaseUntil);
    }

    [Fact]
    public void Placeholder_HasNoValue_AndItsLease()
    {
        var envelope = Envelope.Placeholder<int>(3, T0, T0.AddMinutes(1));

        Assert.False(envelope.HasValue);
        Assert.Equal(0, envelope.Value);
        Assert.False(envelope.TryGetValue(out var value));
        Assert.Equal(0, value);
        Assert.Equal(T0.AddMinutes(1), envelope.LeaseUntil);
    }

    [Fact]
    public void StoredNull_IsAValue_NotThePlaceholder()
    {
        var envelope = Envelope.Fresh<string?>(3, null, T0, T0.AddMinutes(10));

        Assert.True(envelope.HasValue);
        Assert.True(envelope.TryGetValue(out var value));
        Assert.Null(value);
    }

    [Fact]
    public void WithLease_SetsLeaseUntil_UnderTheNewVersion()
    {
        var leased = Envelope.Fresh(3, "v", T0, T0.AddMinutes(10)).WithLease(4, T0.AddMinutes(11));

        Assert.Equal(4, leased.Version);
        Assert.Equal(T0.AddMinutes(11), leased.LeaseUntil);
        Assert.Equal("v", leased.Value);
    }

    [Fact]
    public void ToString_NamesTheLeaseOrNone()
    {
        Assert.EndsWith("lease none)", Envelope.Fresh(3, "v", T0, T0.AddMinutes(10)).ToString(), StringComparison.Ordinal);
        Assert.EndsWith("lease 2026-01-01T00:01:00.0000000+00:00)", Envelope.Placeholder<string>(3, T0, T0.AddMinutes(1)).ToString(), StringComparison.Ordinal);
    }
}
