namespace Cacheback.Tests.Envelopes;

/// <summary>
/// What a memory store does to an envelope it keeps (<see cref="Envelope{T}.TakeForStore"/>) and
/// what a tag-invalidated read makes of one (<see cref="Envelope{T}.StaleFrom"/>): no copy when none
/// is needed, a copy when one instance would otherwise sit in two slots.
/// </summary>
public class EnvelopeStoreSlotTests
{
    private const long T0 = 1_767_225_600_000;

    [Fact]
    public void TakeForStore_TheFirstTime_IsTheInstanceItself()
    {
        var envelope = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, 0);

        Assert.Same(envelope, envelope.TakeForStore(T0 + 60_000));
        Assert.Equal(T0 + 60_000, ((IStoredEntry)envelope).ExpiresAtMs);
    }

    [Fact]
    public void TakeForStore_AgainForASecondSlot_IsAnEqualCopy_WithItsOwnExpiry()
    {
        var envelope = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, T0 + 500, new TagStamp(4, 1));
        var first = envelope.TakeForStore(T0 + 60_000);

        var second = envelope.TakeForStore(T0 + 90_000);

        Assert.NotSame(first, second);
        Assert.Equal(envelope, second);
        Assert.Equal(T0 + 60_000, ((IStoredEntry)first).ExpiresAtMs); // the first slot's expiry is untouched
        Assert.Equal(T0 + 90_000, ((IStoredEntry)second).ExpiresAtMs);
    }

    [Fact]
    public void TakeForStore_ACopyAlreadyStored_IsCopiedAgain()
    {
        // The copy is marked as stored too: taking it for a third slot copies again.
        var envelope = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, 0);
        var copy = envelope.TakeForStore(1).TakeForStore(2);
        Assert.NotSame(envelope, copy);

        var third = copy.TakeForStore(3);

        Assert.NotSame(copy, third);
        Assert.Equal(envelope, third);
        Assert.Equal(2, ((IStoredEntry)copy).ExpiresAtMs);
        Assert.Equal(3, ((IStoredEntry)third).ExpiresAtMs);
    }

    [Fact]
    public void StaleFrom_AnEnvelopeAlreadyStaleAtThatTime_IsItself()
    {
        var envelope = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, 0);

        Assert.Same(envelope, envelope.StaleFrom(T0 + 1_000)); // FreshUntil is the first stale millisecond
        Assert.Same(envelope, envelope.StaleFrom(T0 + 5_000));
    }

    [Fact]
    public void StaleFrom_AFreshEnvelope_IsFreshUntilNow_EverythingElseKept()
    {
        var envelope = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, T0 + 700, new TagStamp(2, 0));

        var stale = envelope.StaleFrom(T0 + 999);

        Assert.Equal(Envelope.FromMs(3, true, "v", T0, T0 + 999, T0 + 700, new TagStamp(2, 0)), stale);
        Assert.Equal(T0 + 1_000, envelope.FreshUntilMs); // the original is not changed
    }
}
