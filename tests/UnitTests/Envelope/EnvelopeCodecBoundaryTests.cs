using System.Text;
using MessagePack;

namespace Cacheback.Tests.Envelopes;

/// <summary>
/// The codec at each field's limits (the last value read, the first refused), every
/// <see cref="DecodeError"/> with the detail it gives, and the forms other writers use.
/// </summary>
public class EnvelopeCodecBoundaryTests
{
    private const long MaxUnixMs = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    private const long T0 = 1_767_225_600_000;
    private static readonly IPayloadSerializer<string> Json = JsonPayloadSerializer<string>.Default;

    /// <summary>An envelope written field by field, each integer in the form <paramref name="writeInt"/> chooses.</summary>
    private static byte[] Write(long version, long fetched, long fresh, long lease, byte[]? payload = null, int fields = 6, long format = 1, IntForm? writeInt = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(fields);
        foreach (var value in new[] { format, version, fetched, fresh, lease })
        {
            if (writeInt is null)
                writer.Write(value);
            else
                writeInt(ref writer, value);
        }

        if (payload is null)
            writer.WriteNil();
        else
            writer.Write(payload);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static DecodeResult<string>.Failed Fails(byte[] bytes, DecodeError error, string detail)
    {
        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, Json));
        Assert.Equal(error, failed.Error);
        Assert.Contains(detail, failed.Detail, StringComparison.Ordinal);
        return failed;
    }

    private static Envelope<string> Decodes(byte[] bytes) =>
        Assert.IsType<DecodeResult<string>.Decoded>(EnvelopeCodec.Decode(bytes, Json)).Envelope;

    [Theory]
    [InlineData(1L)]
    [InlineData(Envelope.MaxVersion - 1)]
    public void Version_FromOneToBelowTwoTo53_IsRead(long version)
    {
        var bytes = Write(version, T0, T0, 0);

        Assert.Equal(version, Decodes(bytes).Version);
        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out var read));
        Assert.Equal(version, read);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(Envelope.MaxVersion)]
    public void Version_ZeroNegativeOrTwoTo53_IsAnInvalidField(long version)
    {
        var bytes = Write(version, T0, T0, 0);

        Fails(bytes, DecodeError.InvalidField, $"version {version}, fetched {T0}, fresh {T0}, lease 0");
        Assert.False(EnvelopeCodec.TryReadVersion(bytes, out _));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(MaxUnixMs)]
    public void Times_FromOneToDateTimeOffsetsLastMillisecond_AreRead(long ms)
    {
        var envelope = Decodes(Write(3, ms, ms, ms));

        Assert.Equal((ms, ms, ms), (envelope.FetchedAtMs, envelope.FreshUntilMs, envelope.LeaseUntilMs));
    }

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(0, -1L)]
    [InlineData(0, MaxUnixMs + 1)]
    [InlineData(1, 0L)]
    [InlineData(1, -1L)]
    [InlineData(1, MaxUnixMs + 1)]
    [InlineData(2, -1L)]
    [InlineData(2, MaxUnixMs + 1)]
    public void Times_OutsideThatRange_AreAnInvalidField(int field, long ms)
    {
        // Field 0: fetched at, 1: fresh until, 2: lease until (where 0 means no lease, tested below).
        var bytes = Write(3, field == 0 ? ms : T0, field == 1 ? ms : T0, field == 2 ? ms : 0);

        Fails(bytes, DecodeError.InvalidField, "version 3, fetched");
        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out _)); // the version alone is sound
    }

    [Fact]
    public void Lease_Zero_IsNoLease()
    {
        var envelope = Decodes(Write(3, T0, T0, 0));

        Assert.Equal(0, envelope.LeaseUntilMs);
        Assert.Null(envelope.LeaseUntil);
    }

    [Fact]
    public void Integers_InEverySignedAndUnsignedForm_AreRead()
    {
        foreach (var form in new IntForm[]
                 {
                     (ref MessagePackWriter w, long v) => w.WriteInt64(v),
                     (ref MessagePackWriter w, long v) => w.WriteUInt64((ulong)v),
                     (ref MessagePackWriter w, long v) => { if (v <= int.MaxValue) w.WriteInt32((int)v); else w.WriteInt64(v); },
                     (ref MessagePackWriter w, long v) => { if (v <= byte.MaxValue) w.WriteUInt8((byte)v); else w.WriteUInt64((ulong)v); },
                 })
        {
            Assert.Equal(Envelope.FromMs(300, false, (string)null!, T0, T0 + 1, T0 + 2), Decodes(Write(300, T0, T0 + 1, T0 + 2, writeInt: form)));
        }
    }

    [Theory]
    [InlineData("dc0006")] // array 16
    [InlineData("dd00000006")] // array 32
    public void Arrays_InTheLongerForms_AreRead(string arrayHeader)
    {
        var bytes = Convert.FromHexString(arrayHeader).Concat(Write(42, T0, T0, 0).Skip(1)).ToArray();

        Assert.Equal(42, Decodes(bytes).Version);
        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out var version));
        Assert.Equal(42, version);
    }

    [Fact]
    public void Empty_IsEmpty()
    {
        Fails([], DecodeError.Empty, "no bytes");
        Assert.False(EnvelopeCodec.TryReadVersion(ReadOnlyMemory<byte>.Empty, out _));
    }

    [Fact]
    public void NotAnArray_NamesTheByteFound()
    {
        Fails([0xc0], DecodeError.NotAnEnvelope, "expected an array, found 0xc0");
        Assert.False(EnvelopeCodec.TryReadVersion(new byte[] { 0xc0 }, out _));
    }

    [Fact]
    public void AnArrayDeclaringMoreElementsThanBytes_IsTruncated()
    {
        // MessagePackReader refuses a count larger than the bytes left before it could overflow an int.
        Fails(Convert.FromHexString("ddffffffff"), DecodeError.Truncated, "the bytes end within the element at byte ");
    }

    [Fact]
    public void EmptyArray_IsNotAnEnvelope() => Fails([0x90], DecodeError.NotAnEnvelope, "an empty array");

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public void OtherFieldCounts_AreNotAnEnvelope_UnderFormatOne(int fields)
    {
        var bytes = Write(42, T0, T0, 0, fields: fields);

        Fails(bytes, DecodeError.NotAnEnvelope, $"an array of {fields} elements; version 1 has 6");
        Assert.False(EnvelopeCodec.TryReadVersion(bytes, out _));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(3L)]
    public void OtherFormatVersions_AreUnsupported_WhateverTheirShape(long format)
    {
        // The format version is checked before the field count: a later format may have other fields.
        var bytes = Write(42, T0, T0, 0, fields: 7, format: format);

        Fails(bytes, DecodeError.UnsupportedFormatVersion, $"format version {format}; this build reads 1 and 2");
        Assert.False(EnvelopeCodec.TryReadVersion(bytes, out _));
    }

    [Fact]
    public void AFieldThatIsNotAnInteger_NamesItsByte()
    {
        // The fetched-at field (byte 3) written as the string "x".
        var bytes = Convert.FromHexString("96012aa178");

        Fails(bytes, DecodeError.NotAnEnvelope, "expected an integer at byte 3, found 0xa1");
        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out _));
        Fails(Convert.FromHexString("96c0"), DecodeError.NotAnEnvelope, "expected an integer at byte 1, found 0xc0");
    }

    [Fact]
    public void AnIntegerBeyondInt64_IsAnInvalidField_NamingItsByte() =>
        Fails(Convert.FromHexString("9601cfffffffffffffffff"), DecodeError.InvalidField, "the integer at byte 2 is beyond a 64-bit signed integer");

    [Fact]
    public void Truncated_SaysWhereAndHowLong()
    {
        var bytes = Write(42, T0, T0, 0);

        // Cut inside the fetched-at integer (0xcf + 8 bytes, from byte 3).
        Fails(bytes[..5], DecodeError.Truncated, "the bytes end within the element at byte 3 (5 bytes in all)");
        Fails(bytes[..1], DecodeError.Truncated, "at byte 1 (1 bytes in all)");
        Assert.False(EnvelopeCodec.TryReadVersion(bytes[..2], out _));
    }

    [Theory]
    [InlineData("c4")] // bin 8 without its length
    [InlineData("c500")] // bin 16 with half its length
    [InlineData("c6000000")] // bin 32 with three quarters
    public void APayloadHeaderCutShort_IsTruncated(string payloadHeader)
    {
        var bytes = Write(42, T0, T0, 0)[..^1].Concat(Convert.FromHexString(payloadHeader)).ToArray();

        Fails(bytes, DecodeError.Truncated, "at byte 22");
    }

    [Theory]
    [InlineData(255, 255, "c4ff")] // bin 8 at its largest
    [InlineData(256, 256, "c50100")] // bin 16 at its smallest
    [InlineData(65_535, 65_535, "c5ffff")] // bin 16 at its largest
    [InlineData(65_536, 65_536, "c600010000")] // bin 32 at its smallest
    public void Payloads_OfEachBinWidth_AreReadUpToExactlyTheMaximum(int length, int max, string header)
    {
        var payload = Enumerable.Repeat((byte)'7', length).ToArray();
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, payload, DateTimeOffset.FromUnixTimeMilliseconds(T0), DateTimeOffset.FromUnixTimeMilliseconds(T0)), new RawBytes());
        Assert.Equal(header, Convert.ToHexStringLower(bytes.AsSpan(22, header.Length / 2)));

        var decoded = Assert.IsType<DecodeResult<byte[]>.Decoded>(EnvelopeCodec.Decode(bytes, new RawBytes(), max)).Envelope;
        Assert.Equal(payload, decoded.Value);

        var tooLarge = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.Decode(bytes, new RawBytes(), max - 1));
        Assert.Equal(DecodeError.TooLarge, tooLarge.Error);
        Assert.Equal($"payload of {length} bytes exceeds the maximum of {max - 1}", tooLarge.Detail);

        var cut = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.Decode(bytes.AsMemory(0, bytes.Length - 1), new RawBytes(), max));
        Assert.Equal(DecodeError.Truncated, cut.Error);
    }

    [Fact]
    public void APayloadOfAnotherType_NamesTheByteFound() =>
        Fails(Write(42, T0, T0, 0)[..^1].Concat(new byte[] { 0xa1, 0x78 }).ToArray(), DecodeError.NotAnEnvelope, "expected bin or nil payload at byte 22, found 0xa1");

    [Fact]
    public void TrailingBytes_SaysHowMany()
    {
        var bytes = Write(42, T0, T0, 0).Concat(new byte[] { 1, 2, 3 }).ToArray();

        Fails(bytes, DecodeError.TrailingBytes, "3 bytes after the envelope");
    }

    [Fact]
    public void TrailingBytes_AfterAPayload_AreTrailingBytes_NotTruncated()
    {
        var bytes = EnvelopeCodec.Encode(Envelope.FromMs(42, true, "v", T0, T0, 0), Json).Concat(new byte[] { 9, 9 }).ToArray();

        Fails(bytes, DecodeError.TrailingBytes, "2 bytes after the envelope");
    }

    [Fact]
    public void Encode_AllocatesTheResultOnly_ReusingItsHeaderBuffer()
    {
        var placeholder = Envelope.FromMs(Envelope.MaxVersion - 1, false, Array.Empty<byte>(), MaxUnixMs, MaxUnixMs, MaxUnixMs);
        var serializer = new RawBytes();
        _ = EnvelopeCodec.Encode(placeholder, serializer); // the thread's header buffer, and the JIT

        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = EnvelopeCodec.Encode(placeholder, serializer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // A 39-byte array (~64 bytes with its object header); a new header buffer would add ~150.
        Assert.Equal(39, bytes.Length);
        Assert.InRange(allocated, 1, 96);
    }

    [Fact]
    public void PayloadUnreadable_NamesTheSerializersException_AndItsCause()
    {
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, "text", DateTimeOffset.FromUnixTimeMilliseconds(T0), DateTimeOffset.FromUnixTimeMilliseconds(T0)), Json);

        var json = Assert.IsType<DecodeResult<int>.Failed>(EnvelopeCodec.Decode(bytes, JsonPayloadSerializer<int>.Default));
        Assert.Equal(DecodeError.PayloadUnreadable, json.Error);
        Assert.StartsWith("JsonException: ", json.Detail, StringComparison.Ordinal);

        var wrapped = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, new Throwing(new InvalidOperationException("outer", new FormatException("inner")))));
        Assert.Equal("InvalidOperationException: outer FormatException: inner", wrapped.Detail);
        var plain = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, new Throwing(new FormatException("alone"))));
        Assert.Equal("FormatException: alone", plain.Detail);
    }

    [Fact]
    public void APlaceholder_NeverReachesTheSerializer()
    {
        var bytes = Write(7, T0, T0, T0 + 60_000);

        var placeholder = Assert.IsType<DecodeResult<string>.Decoded>(EnvelopeCodec.Decode(bytes, new Throwing(new FormatException("no")))).Envelope;
        Assert.False(placeholder.HasValue);
        Assert.Equal(Envelope.FromMs(7, false, (string)null!, T0, T0, T0 + 60_000), placeholder);
    }

    [Fact]
    public void Encode_ThenEncodeAnother_WritesEachFromAFreshHeader()
    {
        // The header buffer is reused per thread: a second encode must not carry the first one's bytes.
        var first = EnvelopeCodec.Encode(Envelope.FromMs(Envelope.MaxVersion - 1, true, "a long value", MaxUnixMs, MaxUnixMs, MaxUnixMs), Json);
        var second = EnvelopeCodec.Encode(Envelope.FromMs(1, false, (string)null!, 1, 1, 0), Json);

        Assert.Equal("960101010100c0", Convert.ToHexStringLower(second));
        Assert.Equal(Envelope.FromMs(Envelope.MaxVersion - 1, true, "a long value", MaxUnixMs, MaxUnixMs, MaxUnixMs), Decodes(first));
    }

    [Fact]
    public void NullArguments_AreRefusedByName()
    {
        var envelope = Envelope.FromMs(1, true, "v", T0, T0, 0);

        Assert.Equal("envelope", Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.Encode(null!, Json)).ParamName);
        Assert.Equal("serializer", Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.Encode(envelope, null!)).ParamName);
        Assert.Equal("serializer", Assert.Throws<ArgumentNullException>(() => EnvelopeCodec.Decode<string>(Write(1, T0, T0, 0), null!)).ParamName);
    }

    [Fact]
    public void TryReadVersion_IgnoresThePayload()
    {
        var bytes = Write(42, T0, T0, 0)[..^1].Concat(Encoding.UTF8.GetBytes("not msgpack at all")).ToArray();

        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out var version));
        Assert.Equal(42, version);
    }

    private delegate void IntForm(ref MessagePackWriter writer, long value);

    private sealed class RawBytes : IPayloadSerializer<byte[]>
    {
        public byte[] Serialize(byte[] value) => value;

        public byte[] Deserialize(ReadOnlySpan<byte> bytes) => bytes.ToArray();
    }

    private sealed class Throwing(Exception exception) : IPayloadSerializer<string>
    {
        public byte[] Serialize(string value) => Encoding.UTF8.GetBytes(value);

        public string Deserialize(ReadOnlySpan<byte> bytes) => throw exception;
    }
}
