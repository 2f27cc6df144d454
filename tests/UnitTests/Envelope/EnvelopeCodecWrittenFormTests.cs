using System.Buffers;
using MessagePack;

namespace Cacheback.Tests.Envelopes;

/// <summary>
/// The codec's shortcut for the forms it writes (fixarray, fixint or uint 8-64 fields, bin 8/16/32
/// or nil payload): every written envelope at the edges of each form is read back field for field
/// by one pass over its bytes, and bytes that only look written (a form the shortcut reads where
/// another is required) get the general reader's verdict.
/// </summary>
/// <remarks>
/// Whether the shortcut read an input shows only in the work done: the general reader asks the
/// memory for its span several times (a sequence reader over it, the bin header peeked, the payload),
/// the shortcut once for the header. <see cref="CountingMemory"/> counts those requests, so a
/// shortcut that wrongly hands written bytes on to the general reader fails here although the
/// envelope read is the same.
/// </remarks>
public class EnvelopeCodecWrittenFormTests
{
    private const long T0 = 1_767_225_600_000;
    private const long MaxUnixMs = 253_402_300_799_999;

    /// <summary>The payload as it is: any length (0 included), and the count of span requests it makes (one).</summary>
    private sealed class RawBytes : IPayloadSerializer<byte[]>
    {
        public static readonly RawBytes Instance = new();

        public byte[] Serialize(byte[] value) => value;

        public byte[] Deserialize(ReadOnlySpan<byte> bytes) => bytes.ToArray();
    }

    /// <summary>Bytes whose every span request is counted.</summary>
    private sealed class CountingMemory(byte[] bytes) : MemoryManager<byte>
    {
        public int Spans { get; private set; }

        public static (CountingMemory Counter, ReadOnlyMemory<byte> Memory) Over(byte[] bytes)
        {
            var counter = new CountingMemory(bytes);
            var memory = counter.Memory; // Memory asks for the span once: not a read
            counter.Spans = 0;
            return (counter, memory);
        }

        public override Span<byte> GetSpan()
        {
            Spans++;
            return bytes;
        }

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin() => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
        }
    }

    private static Envelope<byte[]> Decoded(DecodeResult<byte[]> result) =>
        Assert.IsType<DecodeResult<byte[]>.Decoded>(result).Envelope;

    private static void SameFields(Envelope<byte[]> expected, Envelope<byte[]> actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.HasValue, actual.HasValue);
        Assert.Equal(expected.FetchedAtMs, actual.FetchedAtMs);
        Assert.Equal(expected.FreshUntilMs, actual.FreshUntilMs);
        Assert.Equal(expected.LeaseUntilMs, actual.LeaseUntilMs);
        Assert.Equal(expected.Tags, actual.Tags);
        if (expected.HasValue)
            Assert.Equal(expected.RawValue, actual.RawValue);
    }

    /// <summary>Decodes written bytes both ways; checks every field, and that the shortcut took them in one pass.</summary>
    private static void ReadInOnePass(Envelope<byte[]> envelope, int maxPayloadBytes = EnvelopeCodec.DefaultMaxPayloadBytes)
    {
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance, maxPayloadBytes);

        var (shortcut, memory) = CountingMemory.Over(bytes);
        SameFields(envelope, Decoded(EnvelopeCodec.Decode(memory, RawBytes.Instance, maxPayloadBytes)));
        var (reader, readerMemory) = CountingMemory.Over(bytes);
        SameFields(envelope, Decoded(EnvelopeCodec.DecodeByReader(readerMemory, RawBytes.Instance, maxPayloadBytes)));

        // The header in one span; the payload's deserializer asks once more. Handed on, the same
        // bytes would cost the shortcut's look plus the general reader's requests.
        Assert.Equal(envelope.HasValue ? 2 : 1, shortcut.Spans);
        Assert.True(1 + reader.Spans > shortcut.Spans, $"the general reader asked {reader.Spans} times: the probe cannot tell the paths apart");
    }

    private static Envelope<byte[]> Value(long version, long fetched, long fresh, long lease, int payloadLength = 3) =>
        Envelope.FromMs(version, true, Enumerable.Range(0, payloadLength).Select(i => (byte)i).ToArray(), fetched, fresh, lease);

    private static Envelope<byte[]> Placeholder(long version, long fetched, long fresh, long lease) =>
        Envelope.FromMs(version, false, default(byte[])!, fetched, fresh, lease);

    [Fact]
    public void TheShortestEnvelope_SevenBytes_IsReadInOnePass()
    {
        // 96 01 01 01 01 00 c0: every field a fixint, no lease, no payload.
        var envelope = Placeholder(1, 1, 1, 0);
        Assert.Equal(7, EnvelopeCodec.Encode(envelope, RawBytes.Instance).Length);

        ReadInOnePass(envelope);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(127L)] // the largest positive fixint
    [InlineData(128L)] // uint 8
    [InlineData(255L)]
    [InlineData(256L)] // uint 16
    [InlineData(65_535L)]
    [InlineData(65_536L)] // uint 32
    [InlineData(4_294_967_295L)]
    [InlineData(4_294_967_296L)] // uint 64
    [InlineData(Envelope.MaxVersion - 1)]
    public void EachIntegerForm_InEachField_IsReadInOnePass(long value)
    {
        var time = Math.Min(value, MaxUnixMs);
        ReadInOnePass(Value(value, T0, T0 + 1, 0)); // the version
        ReadInOnePass(Value(1, time, T0, T0)); // fetched at
        ReadInOnePass(Value(1, T0, time, T0)); // fresh until
        ReadInOnePass(Value(1, T0, T0, time)); // lease until
        ReadInOnePass(Placeholder(value, time, time, time));
    }

    [Fact]
    public void TheLatestTime_InEveryTimeField_IsReadInOnePass()
    {
        ReadInOnePass(Value(Envelope.MaxVersion - 1, MaxUnixMs, MaxUnixMs, MaxUnixMs));
    }

    [Theory]
    [InlineData(0)] // bin 8 of no bytes: the header ends the input
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)] // bin 16
    [InlineData(65_535)]
    [InlineData(65_536)] // bin 32
    public void EachPayloadForm_IsReadInOnePass(int length)
    {
        ReadInOnePass(Value(300, T0, T0 + 5, 0, length));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    public void APayloadOfExactlyTheMaximum_IsReadInOnePass(int length)
    {
        ReadInOnePass(Value(2, T0, T0, 0, length), maxPayloadBytes: length);
    }

    [Fact]
    public void APayloadOneOverTheMaximum_IsTooLarge_EitherWay()
    {
        var bytes = EnvelopeCodec.Encode(Value(2, T0, T0, 0, 10), RawBytes.Instance);

        foreach (var result in new[] { EnvelopeCodec.Decode(bytes, RawBytes.Instance, 9), EnvelopeCodec.DecodeByReader(bytes, RawBytes.Instance, 9) })
        {
            var failed = Assert.IsType<DecodeResult<byte[]>.Failed>(result);
            Assert.Equal(DecodeError.TooLarge, failed.Error);
            Assert.Equal("payload of 10 bytes exceeds the maximum of 9", failed.Detail);
        }
    }

    [Fact]
    public void ATaggedEnvelope_FormatTwo_IsReadWithItsStamp()
    {
        var envelope = Envelope.FromMs(200, true, new byte[] { 7, 8 }, T0, T0 + 10, 0, new TagStamp(130, 2));
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance);
        Assert.Equal(0x98, bytes[0]);
        Assert.Equal(2, bytes[1]);

        SameFields(envelope, Decoded(EnvelopeCodec.Decode(bytes, RawBytes.Instance)));
    }

    [Fact]
    public void ATaggedEnvelope_WithANegativeTagSum_IsAnInvalidField_SayingWhy()
    {
        // 98 02, version 1, times 1, no lease, nil payload, tag sums -1 (negative fixint) and 0.
        byte[] bytes = [0x98, 0x02, 0x01, 0x01, 0x01, 0x00, 0xc0, 0xff, 0x00];

        var failed = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.Decode(bytes, RawBytes.Instance));
        Assert.Equal(DecodeError.InvalidField, failed.Error);
        Assert.Equal("tag sums -1 and 0: counters are never negative", failed.Detail);
    }

    // Bytes in the written layout but with a form the shortcut must not read as the field it expects:
    // the general reader's verdict, never an envelope.
    public static TheoryData<string, byte[], string> LookAlikes => new()
    {
        // A uint 8 code is not a fixint: read as one, "cc 80 cc 80" would be four fields and c0 the payload.
        { "uint 8 fields, then nil where fresh-until belongs", [0x96, 0x01, 0xcc, 0x80, 0xcc, 0x80, MessagePackCode.Nil], "expected an integer at byte 6, found 0xc0" },
        // nil is no integer, not even a lease of 0.
        { "nil for the lease, nil payload", [0x96, 0x01, 0xcc, 0x80, 0x01, 0x01, MessagePackCode.Nil, MessagePackCode.Nil], "expected an integer at byte 6, found 0xc0" },
        { "nil for the lease and no payload", [0x96, 0x01, 0xcc, 0x80, 0x01, 0x01, MessagePackCode.Nil], "expected an integer at byte 6, found 0xc0" },
        { "a bin where the lease belongs", [0x96, 0x01, 0xcc, 0x80, 0x01, 0x01, MessagePackCode.Bin8, 0x01, 0x41], "expected an integer at byte 6, found 0xc4" },
        { "an int 8 where the lease belongs", [0x96, 0x01, 0xcc, 0x80, 0x01, 0x01, 0xd0, 0x00, MessagePackCode.Nil], "" },
    };

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public void LookAlikes_GetTheGeneralReadersVerdict(string what, byte[] bytes, string detail)
    {
        var decoded = EnvelopeCodec.Decode(bytes, RawBytes.Instance);
        var byReader = EnvelopeCodec.DecodeByReader(bytes, RawBytes.Instance);

        switch ((decoded, byReader))
        {
            case (DecodeResult<byte[]>.Failed a, DecodeResult<byte[]>.Failed b):
                Assert.Equal(b.Error, a.Error);
                Assert.Equal(b.Detail, a.Detail);
                Assert.Contains(detail, a.Detail, StringComparison.Ordinal);
                break;
            case (DecodeResult<byte[]>.Decoded a, DecodeResult<byte[]>.Decoded b):
                // Legal in a form the shortcut leaves to the general reader (int 8): the same envelope.
                Assert.True(detail.Length == 0, what);
                SameFields(b.Envelope, a.Envelope);
                break;
            default:
                Assert.Fail($"{what}: the shortcut says {decoded}, the general reader {byReader}");
                break;
        }
    }

    [Fact]
    public void AUint8Version_IsItsValue_NotTheByteBeforeIt()
    {
        // 96 01 cc c8 ...: version 200, behind the format version 1.
        var envelope = Value(200, 1_000, 2_000, 0);
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance);
        Assert.Equal([0x96, 0x01, 0xcc, 0xc8], bytes[..4]);

        Assert.Equal(200, Decoded(EnvelopeCodec.Decode(bytes, RawBytes.Instance)).Version);
    }

    [Fact]
    public void AUint64AboveLongMaxValue_IsNotAnEnvelope_EitherWay()
    {
        byte[] bytes = [0x96, 0x01, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01, 0x00, MessagePackCode.Nil];

        var a = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.Decode(bytes, RawBytes.Instance));
        var b = Assert.IsType<DecodeResult<byte[]>.Failed>(EnvelopeCodec.DecodeByReader(bytes, RawBytes.Instance));
        Assert.Equal(DecodeError.InvalidField, a.Error);
        Assert.Equal((b.Error, b.Detail), (a.Error, a.Detail));
    }
}
