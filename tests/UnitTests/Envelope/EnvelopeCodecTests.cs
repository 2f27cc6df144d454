using System.Text;

namespace Cacheback.Tests.Envelopes;

public class EnvelopeCodecTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
    private static readonly IPayloadSerializer<string> Json = JsonPayloadSerializer<string>.Default;

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Trim());

    private static string HexOf(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Fixture(string name) => Hex(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Envelope", "Fixtures", name)));

    [Fact]
    public void Encode_Value_MatchesTheSpecByteForByte()
    {
        var envelope = Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600));

        // 0x96 fixarray(6) · 0x01 positive fixint 1 · 0x2a positive fixint 42
        // 0xcf uint64 1767225600000 · 0xcf uint64 1767226200000 · 0x00 fixint 0 (no lease)
        // 0xc4 0x07 bin8 of 7 bytes: "hello" as JSON
        Assert.Equal("96" + "01" + "2a" + "cf0000019b76daa800" + "cf0000019b76e3cfc0" + "00" + "c407" + "2268656c6c6f22",
            HexOf(EnvelopeCodec.Encode(envelope, Json)));
    }

    [Theory]
    [InlineData(0x7fL, "7f")] // positive fixint
    [InlineData(0x80L, "cc80")] // uint 8
    [InlineData(0xffL, "ccff")]
    [InlineData(0x100L, "cd0100")] // uint 16
    [InlineData(0x10000L, "ce00010000")] // uint 32
    [InlineData(0x1_0000_0000L, "cf0000000100000000")] // uint 64
    public void Encode_Version_UsesTheShortestIntegerForm(long version, string expected)
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(version, "x", T0, T0), Json);

        Assert.Equal(expected, HexOf(bytes[2..(2 + expected.Length / 2)]));
    }

    [Fact]
    public void Encode_Placeholder_WritesNilPayload()
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Placeholder<string>(7, T0, T0.AddSeconds(60)), Json);

        Assert.Equal(0xc0, bytes[^1]);
    }

    [Theory]
    [InlineData(300, "c5012c")] // bin 16
    [InlineData(70_000, "c600011170")] // bin 32
    public void Encode_LargePayload_UsesBin16And32(int length, string header)
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, new byte[length], T0, T0), new RawBytes());

        Assert.Equal(header, HexOf(bytes[^(length + header.Length / 2)..^length]));
    }

    [Fact]
    public void Decode_V1ValueFixture_GivesTheEnvelope()
    {
        var result = EnvelopeCodec.Decode(Fixture("v1-value.hex"), Json);

        var envelope = Assert.IsType<DecodeResult<string>.Decoded>(result).Envelope;
        Assert.Equal(Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600)), envelope);
    }

    [Fact]
    public void Decode_V1PlaceholderFixture_GivesThePlaceholder()
    {
        var result = EnvelopeCodec.Decode(Fixture("v1-placeholder.hex"), Json);

        var envelope = Assert.IsType<DecodeResult<string>.Decoded>(result).Envelope;
        Assert.Equal(Envelope.Placeholder<string>(7, T0, T0.AddSeconds(60)), envelope);
        Assert.False(envelope.HasValue);
    }

    [Fact]
    public void Decode_V2TaggedFixture_GivesTheEnvelopeWithItsTagStamp()
    {
        var result = EnvelopeCodec.Decode(Fixture("v2-tagged.hex"), Json);

        var envelope = Assert.IsType<DecodeResult<string>.Decoded>(result).Envelope;
        Assert.Equal(Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600)).Version, envelope.Version);
        Assert.Equal("hello", envelope.Value);
        Assert.Equal(new TagStamp(5, 2), envelope.Tags);
        Assert.Equal(Fixture("v2-tagged.hex"), EnvelopeCodec.Encode(envelope, Json));
    }

    [Fact]
    public void Encode_Untagged_IsStillFormat1ByteForByte()
    {
        var envelope = Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600));

        Assert.Equal(Fixture("v1-value.hex"), EnvelopeCodec.Encode(envelope, Json));
    }

    [Fact]
    public void Decode_NegativeTagSums_AreInvalid()
    {
        var bytes = Hex("98022acf0000019b76daa800cf0000019b76e3cfc000c0ff00");

        Assert.Equal(DecodeError.InvalidField, Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, Json)).Error);
    }

    [Fact]
    public void Decode_OtherWritersForms_AreAccepted()
    {
        // array 16 header, version as int 32, times as uint 32/uint 64, lease as int 8 0, bin 8 payload.
        var bytes = Hex("dc0006" + "01" + "d20000002a" + "cf0000019b76daa800" + "cf0000019b76e3cfc0" + "d000" + "c407" + "2268656c6c6f22");

        var envelope = Assert.IsType<DecodeResult<string>.Decoded>(EnvelopeCodec.Decode(bytes, Json)).Envelope;
        Assert.Equal(42, envelope.Version);
    }

    [Fact]
    public void Decode_EveryTruncation_IsTruncatedNotAnException()
    {
        var bytes = Fixture("v1-value.hex");

        for (var length = 1; length < bytes.Length; length++)
        {
            var result = EnvelopeCodec.Decode(bytes.AsMemory(0, length), Json);
            var failed = Assert.IsType<DecodeResult<string>.Failed>(result);
            Assert.Equal(DecodeError.Truncated, failed.Error);
        }
    }

    [Theory]
    [InlineData("", DecodeError.Empty)]
    [InlineData("c0", DecodeError.NotAnEnvelope)] // nil
    [InlineData("90", DecodeError.NotAnEnvelope)] // empty array
    [InlineData("a568656c6c6f", DecodeError.NotAnEnvelope)] // the string "hello"
    [InlineData("9603012acf0000019b76daa800cf0000019b76e3cfc000c0", DecodeError.UnsupportedFormatVersion)] // format 3
    [InlineData("96022acf0000019b76daa800cf0000019b76e3cfc000c0", DecodeError.NotAnEnvelope)] // format 2 (tagged) has eight fields, not six
    [InlineData("98012acf0000019b76daa800cf0000019b76e3cfc000c00000", DecodeError.NotAnEnvelope)] // format 1 has six fields, not eight
    [InlineData("95012acf0000019b76daa800cf0000019b76e3cfc000", DecodeError.NotAnEnvelope)] // five fields
    [InlineData("960100cf0000019b76daa800cf0000019b76e3cfc000c0", DecodeError.InvalidField)] // version 0
    [InlineData("96012acf0000019b76daa800cf0000019b76e3cfc000a3616263", DecodeError.NotAnEnvelope)] // str payload
    [InlineData("96012acf0000019b76daa800cf0000019b76e3cfc000c0ff", DecodeError.TrailingBytes)]
    [InlineData("96012acfffffffffffffffffcf0000019b76e3cfc000c0", DecodeError.InvalidField)] // uint64 beyond long
    public void Decode_BadBytes_AreTypedFailures(string hex, DecodeError expected)
    {
        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(Hex(hex), Json));

        Assert.Equal(expected, failed.Error);
    }

    [Fact]
    public void Decode_PayloadOverTheMaximum_IsTooLargeWithoutReadingIt()
    {
        // Declares a 4 GiB - 1 payload (bin 32) but carries none of it.
        var bytes = Hex("96012acf0000019b76daa800cf0000019b76e3cfc000c6ffffffff");

        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, Json, maxPayloadBytes: 1024));
        Assert.Equal(DecodeError.TooLarge, failed.Error);
    }

    [Fact]
    public void Decode_PayloadOverTheMaximum_IsTooLargeWithoutDeserializingIt()
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, new byte[1025], T0, T0), new RawBytes());

        var failed = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.Decode(bytes, new RawBytes(), maxPayloadBytes: 1024));
        Assert.Equal(DecodeError.TooLarge, failed.Error);
        Assert.IsType<DecodeResult<byte[]>.Decoded>(EnvelopeCodec.Decode(bytes, new RawBytes(), maxPayloadBytes: 1025));
    }

    [Fact]
    public void Decode_PayloadDeclaredLongerThanTheBytes_IsTruncated()
    {
        // Declares 16 bytes of payload (bin 8) and carries 3: MessagePackReader 2.x alone would throw.
        var bytes = Hex("96012acf0000019b76daa800cf0000019b76e3cfc000c410616263");

        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, Json));
        Assert.Equal(DecodeError.Truncated, failed.Error);
    }

    [Fact]
    public void Decode_MessagePackPayload_RoundTripsThroughTheCodec()
    {
        var serializer = MessagePackPayloadSerializer<string>.Default;
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600)), serializer);

        // The same header as the fixture; the payload is MessagePack's str "hello" (0xa5 + 5 bytes).
        Assert.Equal("96012acf0000019b76daa800cf0000019b76e3cfc000" + "c406" + "a568656c6c6f", HexOf(bytes));
        Assert.Equal(Envelope.Fresh(42, "hello", T0, T0.AddSeconds(600)),
            Assert.IsType<DecodeResult<string>.Decoded>(EnvelopeCodec.Decode(bytes, serializer)).Envelope);
    }

    [Fact]
    public void Decode_PayloadTheSerializerRejects_IsPayloadUnreadable()
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, "not a number", T0, T0), Json);

        var failed = Assert.IsType<DecodeResult<int>.Failed>(EnvelopeCodec.Decode(bytes, JsonPayloadSerializer<int>.Default));
        Assert.Equal(DecodeError.PayloadUnreadable, failed.Error);
    }

    [Fact]
    public void TryReadVersion_ReadsTheVersionOnly()
    {
        Assert.True(EnvelopeCodec.TryReadVersion(Fixture("v1-value.hex"), out var version));
        Assert.Equal(42, version);
        Assert.False(EnvelopeCodec.TryReadVersion(Encoding.UTF8.GetBytes("garbage"), out _));
    }

    private sealed class RawBytes : IPayloadSerializer<byte[]>
    {
        public byte[] Serialize(byte[] value) => value;

        public byte[] Deserialize(ReadOnlySpan<byte> bytes) => bytes.ToArray();
    }
}
