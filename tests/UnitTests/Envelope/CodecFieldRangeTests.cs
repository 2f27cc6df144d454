namespace Cacheback.Tests.Envelopes;

/// <summary>Fields the codec cannot carry exactly decode as invalid, not as an exception later.</summary>
public class CodecFieldRangeTests
{
    [Theory]
    [InlineData(-5L, 1L)] // version out of range
    [InlineData(1L << 53, 1L)] // version beyond what Lua compares exactly
    [InlineData(1L, long.MaxValue)] // fresh-until beyond DateTimeOffset
    public void Codec_FieldsOutOfRange_AreInvalidNotAnExceptionLater(long version, long freshUntilMs)
    {
        var json = JsonPayloadSerializer<string>.Default;
        var bytes = EnvelopeCodec.Encode(Envelope.FromMs(version, true, "x", 1, freshUntilMs, 0), json);

        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, json));
        Assert.Equal(DecodeError.InvalidField, failed.Error);
    }
}
