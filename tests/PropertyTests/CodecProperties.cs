using FsCheck;
using FsCheck.Fluent;

namespace Cacheback.Tests.Properties;

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

    [Fact]
    public void EncodeThenDecode_GivesTheSameEnvelope() =>
        Checks.Run(Prop.ForAll(Envelopes.ToArbitrary(), envelope =>
            EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope, Json), Json) is DecodeResult<string>.Decoded d && d.Envelope.Equals(envelope)));

    [Fact]
    public void EncodeThenDecode_WithTheDefaultSerializer_GivesTheSameEnvelope() =>
        Checks.Run(Prop.ForAll(Envelopes.ToArbitrary(), envelope =>
            EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope, MessagePack), MessagePack) is DecodeResult<string>.Decoded d && d.Envelope.Equals(envelope)));

    [Fact]
    public void Decode_AnyTruncation_IsAFailureNotAnException() =>
        Checks.Run(Prop.ForAll(Envelopes.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (envelope, cut) =>
        {
            var bytes = EnvelopeCodec.Encode(envelope, Json);
            var length = cut % bytes.Length;
            return EnvelopeCodec.Decode(bytes.AsMemory(0, length), Json) is DecodeResult<string>.Failed;
        }));

    [Fact]
    public void Decode_AnyCorruption_NeverThrows() =>
        Checks.Run(Prop.ForAll(Envelopes.ToArbitrary(), Gen.ListOf(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, 255)), 4).ToArbitrary(), (envelope, flips) =>
        {
            var bytes = EnvelopeCodec.Encode(envelope, Json);
            foreach (var (at, value) in flips)
                bytes[at % bytes.Length] = (byte)value;
            var result = EnvelopeCodec.Decode(bytes, Json); // must not throw, whatever it decides
            return result is DecodeResult<string>.Decoded or DecodeResult<string>.Failed;
        }));

    [Fact]
    public void Decode_ArbitraryBytes_NeverThrows() =>
        Checks.Run(Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
            EnvelopeCodec.Decode(bytes ?? [], Json) is DecodeResult<string>.Decoded or DecodeResult<string>.Failed));

    [Fact]
    public void TryReadVersion_AgreesWithDecode() =>
        Checks.Run(Prop.ForAll(Envelopes.ToArbitrary(), envelope =>
            EnvelopeCodec.TryReadVersion(EnvelopeCodec.Encode(envelope, Json), out var version) && version == envelope.Version));
}
