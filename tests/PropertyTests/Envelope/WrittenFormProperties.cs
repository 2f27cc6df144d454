using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MessagePack;

namespace Cacheback.Tests.Properties;

/// <summary>
/// The codec's shortcut for the forms it writes against the general reader, on inputs drawn where
/// the two could part: envelopes whose every field is drawn from each integer width (fixint, uint
/// 8/16/32/64, at their edges), payloads of each bin width (empty included), tagged (format 2) or not;
/// and byte strings built token by token in the envelope's layout (every integer form, nil, bin,
/// stray bytes, the wrong count or format), cut short or extended.
/// </summary>
/// <remarks>
/// Agreement alone does not show that the shortcut reads anything: one that handed every input on
/// to the general reader would agree everywhere. So a written untagged envelope must also be read in
/// one pass, which <see cref="CountingMemory"/> observes (the general reader asks the memory for its
/// span several times; the shortcut once for the header, once more for the payload's deserializer).
/// </remarks>
[Properties(Arbitrary = new[] { typeof(WrittenFormProperties) }, MaxTest = 1000)]
public class WrittenFormProperties
{
    private const long MaxUnixMs = EnvelopeTime.MaxUnixMs;

    /// <summary>A non-negative integer up to <paramref name="max"/>, its width (the form it is written in) drawn first, edges included.</summary>
    private static Gen<long> Unsigned(long max) =>
        Gen.OneOf<long>(
                Gen.Choose(0, 127).Select(i => (long)i),
                Gen.Choose(128, 255).Select(i => (long)i),
                Gen.Choose(256, 65_535).Select(i => (long)i),
                Gen.Choose(65_536, int.MaxValue).Select(i => (long)i),
                Gen.Choose(0, int.MaxValue).Select(i => int.MaxValue + 1L + i), // the upper half of uint 32
                from high in Gen.Choose(1, (int)Math.Min(max >> 32, int.MaxValue))
                from low in Gen.Choose(0, int.MaxValue)
                select ((long)high << 32) + low,
                Gen.Elements(127L, 128L, 255L, 256L, 65_535L, 65_536L, uint.MaxValue, uint.MaxValue + 1L, max))
            .Where(v => v <= max);

    private static Gen<long> Times => Unsigned(MaxUnixMs).Where(t => t > 0);

    private static Gen<byte[]> Payloads =>
        from length in Gen.Frequency(
            (6, Gen.Choose(0, 20)),
            (1, Gen.Elements(255, 256, 65_535, 65_536)))
        from fill in Gen.Choose(0, 255)
        select Enumerable.Range(0, length).Select(i => (byte)(fill + i)).ToArray();

    public static Arbitrary<Envelope<byte[]>> AnyEnvelope =>
        (from version in Unsigned(Envelope.MaxVersion - 1).Where(v => v > 0)
         from fetched in Times
         from fresh in Times
         from lease in Gen.Frequency((1, Gen.Constant(0L)), (2, Times))
         from hasValue in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
         from payload in Payloads
         from tagged in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
         from versions in Unsigned(long.MaxValue)
         from removals in Unsigned(long.MaxValue)
         select Envelope.FromMs(version, hasValue, hasValue ? payload : null!, fetched, fresh, lease, tagged ? new TagStamp(versions, removals) : null))
        .ToArbitrary();

    /// <summary>Bytes in the envelope's layout, token by token; mostly the written forms, often not.</summary>
    public static Arbitrary<LaidOut> AnyLaidOut =>
        (from header in Gen.Frequency(
             (8, Gen.Constant(new byte[] { 0x96, 0x01 })),
             (2, Gen.Constant(new byte[] { 0x98, 0x02 })),
             (1, Gen.Elements(new byte[] { 0x96, 0x02 }, new byte[] { 0x98, 0x01 }, new byte[] { 0x95, 0x01 }, new byte[] { 0xdc, 0x00, 0x06, 0x01 }, new byte[] { 0x96, 0x00 }, new byte[] { 0x96, 0xcc, 0x01 })))
         from fields in Gen.ListOf(Field, 4)
         from payload in Payload
         from tagFields in Gen.ListOf(Field, 2)
         from end in Gen.Frequency((6, Gen.Constant(-1)), (2, Gen.Choose(0, 255)), (2, Gen.Constant(-2)))
         from cut in Gen.Choose(0, int.MaxValue)
         let tagged = header[0] == 0x98
         let bytes = header.Concat(fields.SelectMany(f => f)).Concat(payload).Concat(tagged ? tagFields.SelectMany(f => f) : []).ToArray()
         select new LaidOut(end switch
         {
             -1 => bytes,
             -2 => bytes[..(cut % (bytes.Length + 1))], // cut short, possibly to nothing
             _ => [.. bytes, (byte)end],
         }))
        .ToArbitrary();

    /// <summary>An integer field as some writer might put it, or something else where one belongs.</summary>
    private static Gen<byte[]> Field =>
        Gen.Frequency(
            (8, Unsigned(MaxUnixMs).Select(Written)),
            (2, from code in Gen.Elements<byte>(0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3)
                from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), code switch { 0xcc or 0xd0 => 1, 0xcd or 0xd1 => 2, 0xce or 0xd2 => 4, _ => 8 })
                select (byte[])[code, .. body]), // any value in any integer form, negative and past long too
            (1, Gen.Choose(0xe0, 0xff).Select(b => new[] { (byte)b })), // a negative fixint
            (1, Gen.Elements(new[] { MessagePackCode.Nil }, new[] { MessagePackCode.Bin8, (byte)0x00 }, new[] { MessagePackCode.Bin8, (byte)0x01, (byte)0x7f }, new[] { (byte)0xa1, (byte)0x41 })),
            (1, Gen.Elements<byte>(0xcc, 0xcd, 0xce, 0xcf).Select(code => new[] { code })), // a code with its value cut off
            (1, Gen.Choose(0, 255).Select(b => new[] { (byte)b })));

    private static Gen<byte[]> Payload =>
        Gen.Frequency(
            (3, Gen.Constant(new[] { MessagePackCode.Nil })),
            (6, from length in Gen.Choose(0, 40)
                from code in Gen.Elements(MessagePackCode.Bin8, MessagePackCode.Bin16, MessagePackCode.Bin32)
                from skew in Gen.Frequency((5, Gen.Constant(0)), (1, Gen.Elements(-1, 1, 1000)))
                select BinHeader(code, Math.Max(0, length + skew)).Concat(Enumerable.Repeat((byte)0x5a, length)).ToArray()),
            (1, Field));

    private static byte[] BinHeader(byte code, int length) => code switch
    {
        MessagePackCode.Bin8 => [code, (byte)Math.Min(length, 255)],
        MessagePackCode.Bin16 => [code, (byte)(length >> 8), (byte)length],
        _ => [code, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length],
    };

    /// <summary>An integer as <see cref="MessagePackWriter"/> writes it: the shortest form.</summary>
    private static byte[] Written(long value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Property]
    public bool Decode_WrittenEnvelopes_GiveBackEveryField_AsTheGeneralReaderDoes(Envelope<byte[]> envelope)
    {
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance);
        return Decoded(EnvelopeCodec.Decode(bytes, RawBytes.Instance)) is { } a && SameFields(envelope, a)
            && Decoded(EnvelopeCodec.DecodeByReader(bytes, RawBytes.Instance)) is { } b && SameFields(envelope, b);
    }

    [Property]
    public bool Decode_WrittenUntaggedEnvelopes_AreReadInOnePass(Envelope<byte[]> envelope)
    {
        var untagged = Envelope.FromMs(envelope.Version, envelope.HasValue, envelope.RawValue, envelope.FetchedAtMs, envelope.FreshUntilMs, envelope.LeaseUntilMs);
        var bytes = EnvelopeCodec.Encode(untagged, RawBytes.Instance);
        var (counter, memory) = CountingMemory.Over(bytes);
        return Decoded(EnvelopeCodec.Decode(memory, RawBytes.Instance)) is { } decoded && SameFields(untagged, decoded)
            && counter.Spans == (untagged.HasValue ? 2 : 1);
    }

    [Property]
    public bool Decode_WrittenEnvelopes_AtExactlyTheirPayloadsLength_AreRead_AndOneLessIsTooLarge(Envelope<byte[]> envelope)
    {
        if (!envelope.HasValue)
            return true;
        var length = envelope.RawValue.Length;
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance);
        return Decoded(EnvelopeCodec.Decode(bytes, RawBytes.Instance, length)) is { } decoded && SameFields(envelope, decoded)
            && (length == 0 || EnvelopeCodec.Decode(bytes, RawBytes.Instance, length - 1) is DecodeResult<byte[]>.Failed { Error: DecodeError.TooLarge });
    }

    [Property]
    public bool Decode_WrittenEnvelopesCutShort_AreAMiss_AsTheGeneralReaderSays(Envelope<byte[]> envelope, int cut)
    {
        var bytes = EnvelopeCodec.Encode(envelope, RawBytes.Instance);
        var prefix = bytes.AsMemory(0, (int)((uint)cut % bytes.Length));
        return EnvelopeCodec.Decode(prefix, RawBytes.Instance) is DecodeResult<byte[]>.Failed && SameAsReader(prefix);
    }

    [Property]
    public bool Decode_BytesLaidOutLikeAnEnvelope_AgreesWithTheGeneralReader(LaidOut input) => SameAsReader(input.Bytes);

    /// <summary>The same envelope field for field, or the same error with the same detail.</summary>
    private static bool SameAsReader(ReadOnlyMemory<byte> bytes) =>
        (EnvelopeCodec.Decode(bytes, RawBytes.Instance), EnvelopeCodec.DecodeByReader(bytes, RawBytes.Instance)) switch
        {
            (DecodeResult<byte[]>.Decoded a, DecodeResult<byte[]>.Decoded b) => SameFields(b.Envelope, a.Envelope),
            (DecodeResult<byte[]>.Failed a, DecodeResult<byte[]>.Failed b) => a.Error == b.Error && a.Detail == b.Detail,
            _ => false,
        };

    private static Envelope<byte[]>? Decoded(DecodeResult<byte[]> result) => (result as DecodeResult<byte[]>.Decoded)?.Envelope;

    private static bool SameFields(Envelope<byte[]> expected, Envelope<byte[]> actual) =>
        expected.Version == actual.Version
        && expected.HasValue == actual.HasValue
        && expected.FetchedAtMs == actual.FetchedAtMs
        && expected.FreshUntilMs == actual.FreshUntilMs
        && expected.LeaseUntilMs == actual.LeaseUntilMs
        && Equals(expected.Tags, actual.Tags)
        && (!expected.HasValue || expected.RawValue.AsSpan().SequenceEqual(actual.RawValue));

    /// <summary>Bytes built in the envelope's layout.</summary>
    public sealed record LaidOut(byte[] Bytes)
    {
        public override string ToString() => Convert.ToHexString(Bytes);
    }

    /// <summary>The payload as it is, of any length.</summary>
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
            var memory = counter.Memory; // building the memory asks for the span once: not a read
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
}
