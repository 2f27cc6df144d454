using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cacheback.Tests.Properties;

// Its own envelopes first: wider than the decision's, they override those of Arbitraries.
[Properties(Arbitrary = new[] { typeof(CodecProperties), typeof(Arbitraries) }, MaxTest = 1000)]
public class CodecProperties
{
    private static readonly IPayloadSerializer<string> Json = JsonPayloadSerializer<string>.Default;
    private static readonly IPayloadSerializer<string> MessagePack = MessagePackPayloadSerializer<string>.Default;

    private static Gen<Envelope<string>> Envelopes =>
        from version in Arbitraries.Versions
        from hasValue in Gen.Elements(true, false)
        from value in ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)
        from fetched in Gen.Choose(1, int.MaxValue)
        from fresh in Gen.Choose(1, int.MaxValue)
        from lease in Gen.Choose(0, int.MaxValue)
        from scale in Gen.Elements(1L, 1000L, 100_000L) // up to ~2e14 ms: within DateTimeOffset
        select Envelope.FromMs(version, hasValue, hasValue ? value : null!, fetched * scale, fresh * scale, lease * scale);

    public static Arbitrary<Envelope<string>> AnyEnvelope => Envelopes.ToArbitrary();

    [Property]
    public bool EncodeThenDecode_GivesTheSameEnvelope(Envelope<string> envelope) =>
        EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope, Json), Json) is DecodeResult<string>.Decoded d && d.Envelope.Equals(envelope);

    [Property]
    public bool EncodeThenDecode_WithTheDefaultSerializer_GivesTheSameEnvelope(Envelope<string> envelope) =>
        EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope, MessagePack), MessagePack) is DecodeResult<string>.Decoded d && d.Envelope.Equals(envelope);

    [Property]
    public bool Decode_AnyTruncation_IsAFailureNotAnException(Envelope<string> envelope, Arbitraries.Offset cut)
    {
        var bytes = EnvelopeCodec.Encode(envelope, Json);
        var length = cut % bytes.Length;
        return EnvelopeCodec.Decode(bytes.AsMemory(0, length), Json) is DecodeResult<string>.Failed;
    }

    [Property]
    public bool Decode_AnyCorruption_NeverThrows(Envelope<string> envelope, Arbitraries.Flips flips)
    {
        var bytes = EnvelopeCodec.Encode(envelope, Json);
        foreach (var (at, value) in flips)
            bytes[at % bytes.Length] = (byte)value;
        var result = EnvelopeCodec.Decode(bytes, Json); // must not throw, whatever it decides
        return result is DecodeResult<string>.Decoded or DecodeResult<string>.Failed;
    }

    [Property]
    public bool Decode_ArbitraryBytes_NeverThrows(byte[]? bytes) =>
        EnvelopeCodec.Decode(bytes ?? [], Json) is DecodeResult<string>.Decoded or DecodeResult<string>.Failed;

    [Property]
    public bool TryReadVersion_AgreesWithDecode(Envelope<string> envelope) =>
        EnvelopeCodec.TryReadVersion(EnvelopeCodec.Encode(envelope, Json), out var version) && version == envelope.Version;

    // The shortcut for the written forms (WrittenForm.cs) and the general reader agree on
    // every input: the same envelope, or the same error with the same detail.
    private static bool SameAsReader(ReadOnlyMemory<byte> bytes, int maxPayloadBytes = EnvelopeCodec.DefaultMaxPayloadBytes) =>
        (EnvelopeCodec.Decode(bytes, MessagePack, maxPayloadBytes), EnvelopeCodec.DecodeByReader(bytes, MessagePack, maxPayloadBytes)) switch
        {
            (DecodeResult<string>.Decoded a, DecodeResult<string>.Decoded b) => a.Envelope.Equals(b.Envelope),
            (DecodeResult<string>.Failed a, DecodeResult<string>.Failed b) => a.Error == b.Error && a.Detail == b.Detail,
            _ => false,
        };

    [Property]
    public bool Decode_WrittenBytes_AgreesWithTheGeneralReader(Envelope<string> envelope) =>
        SameAsReader(EnvelopeCodec.Encode(envelope, MessagePack));

    [Property]
    public bool Decode_WrittenBytesOverTheLimit_AgreesWithTheGeneralReader(Envelope<string> envelope, Arbitraries.Offset limit) =>
        SameAsReader(EnvelopeCodec.Encode(envelope, MessagePack), 1 + limit % 64);

    [Property]
    public bool Decode_CorruptedBytes_AgreesWithTheGeneralReader(Envelope<string> envelope, Arbitraries.Flips flips)
    {
        var bytes = EnvelopeCodec.Encode(envelope, MessagePack);
        foreach (var (at, value) in flips)
            bytes[at % bytes.Length] = (byte)value;
        return SameAsReader(bytes);
    }

    [Property]
    public bool Decode_TruncatedOrExtendedBytes_AgreesWithTheGeneralReader(Envelope<string> envelope, Arbitraries.Offset cut)
    {
        var bytes = EnvelopeCodec.Encode(envelope, MessagePack);
        return SameAsReader(bytes.AsMemory(0, cut % bytes.Length)) && SameAsReader(bytes.Append((byte)(cut % 256)).ToArray());
    }

    [Property]
    public bool Decode_ArbitraryBytes_AgreesWithTheGeneralReader(byte[]? bytes) =>
        SameAsReader(bytes ?? []);
}
