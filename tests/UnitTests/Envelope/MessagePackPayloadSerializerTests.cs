using System.Text;
using MessagePack;
using MessagePack.Resolvers;

namespace Cacheback.Tests.Envelopes;

public class MessagePackPayloadSerializerTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

    private static T RoundTrip<T>(T value)
    {
        var serializer = MessagePackPayloadSerializer<T>.Default;
        return serializer.Deserialize(serializer.Serialize(value));
    }

    /// <summary>Through the envelope codec, the way a store reads it (memory, not a span copy).</summary>
    private static T ThroughCodec<T>(T value)
    {
        var serializer = MessagePackPayloadSerializer<T>.Default;
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(1, value, T0, T0.AddMinutes(1)), serializer);
        var decoded = Assert.IsType<DecodeResult<T>.Decoded>(EnvelopeCodec.Decode(bytes, serializer));
        return decoded.Envelope.Value!;
    }

    [Fact]
    public void RoundTrip_RecordWithPrimaryConstructor_NeedsNoAttributes()
    {
        var profile = new Profile("ada", 36, T0.ToOffset(TimeSpan.FromHours(2)), ["admin", "ops"]) { Nickname = "countess" };

        var back = RoundTrip(profile);

        Assert.Equal(profile with { Roles = back.Roles }, back);
        Assert.Equal(profile.Roles, back.Roles);
        Assert.Equal(profile, ThroughCodec(profile) with { Roles = profile.Roles });
    }

    [Fact]
    public void RoundTrip_ClassWithSettersOrConstructor_NeedsNoAttributes()
    {
        var settable = RoundTrip(new Settable { Id = 7, Name = "seven", Tags = ["a", "b"] });
        var constructed = RoundTrip(new Constructed(8, "eight"));

        Assert.Equal((7, "seven"), (settable.Id, settable.Name));
        Assert.Equal(["a", "b"], settable.Tags);
        Assert.Equal((8, "eight"), (constructed.Id, constructed.Name));
    }

    [Fact]
    public void RoundTrip_ListsArraysAndScalars_AsTodaysTestsCacheThem()
    {
        var list = Enumerable.Range(0, 100).Select(i => new Profile($"user {i}", i, T0.AddDays(i), [])).ToList();

        Assert.Equal(list.Select(p => p.Name), RoundTrip(list).Select(p => p.Name));
        Assert.Equal([1, 2, 3], RoundTrip(new[] { 1, 2, 3 }));
        Assert.Equal("hello", RoundTrip("hello"));
        Assert.Equal(42, ThroughCodec(42));
        Assert.Equal(("k", T0), RoundTrip(("k", T0)));
        Assert.Equal(T0.ToOffset(TimeSpan.FromHours(-5)), RoundTrip(T0.ToOffset(TimeSpan.FromHours(-5))));
        Assert.Equal(TimeSpan.FromHours(-5), RoundTrip(T0.ToOffset(TimeSpan.FromHours(-5))).Offset);
        Assert.Null(RoundTrip<string?>(null));
        Assert.Null(RoundTrip<Profile?>(null));
    }

    [Fact]
    public void RoundTrip_DateTime_KeepsItsKind()
    {
        var local = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Local);
        var unspecified = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified);

        Assert.Equal((local, DateTimeKind.Local), (RoundTrip(local), RoundTrip(local).Kind));
        Assert.Equal((unspecified, DateTimeKind.Unspecified), (RoundTrip(unspecified), RoundTrip(unspecified).Kind));
    }

    [Fact]
    public void RoundTrip_TenKilobyteString_IsExact()
    {
        var text = string.Concat(Enumerable.Range(0, 10 * 1024).Select(i => (char)('a' + i % 26)));

        Assert.Equal(text, RoundTrip(text));
        Assert.Equal(text, ThroughCodec(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("c1")] // never used in MessagePack
    [InlineData("ffffffff")] // negative fixints: not a string
    [InlineData("a56865")] // a str 5 with two bytes of it
    [InlineData("a568656c6c6fff")] // "hello" and a byte more
    public void Deserialize_Garbage_ThrowsForTheCodecNotPastIt(string hex)
    {
        var bytes = Convert.FromHexString(hex);

        Assert.ThrowsAny<Exception>(() => MessagePackPayloadSerializer<string>.Default.Deserialize(bytes));
    }

    [Fact]
    public void Deserialize_AFormattersFailure_IsWrapped_NamingTheType_WithTheCauseInside()
    {
        // Negative fixints where a string belongs: the string formatter refuses them.
        var e = Assert.Throws<MessagePackSerializationException>(() =>
            MessagePackPayloadSerializer<string>.Default.Deserialize(Convert.FromHexString("ffffffff")));

        Assert.Equal("Failed to deserialize System.String value.", e.Message);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void Deserialize_BytesAfterTheValue_AreRefusedSayingHowMany()
    {
        var e = Assert.Throws<MessagePackSerializationException>(() =>
            MessagePackPayloadSerializer<string>.Default.Deserialize(Convert.FromHexString("a568656c6c6fffff")));

        Assert.Equal("2 bytes follow the String value; a payload holds one value.", e.Message);
    }

    [Fact]
    public void Decode_GarbagePayload_IsAFailureNotAnException()
    {
        var garbage = EnvelopeCodec.Encode(Envelope.Fresh(1, Encoding.UTF8.GetBytes("{\"not\": msgpack"), T0, T0), new RawBytes());

        var failed = Assert.IsType<DecodeResult<Profile>.Failed>(EnvelopeCodec.Decode(garbage, MessagePackPayloadSerializer<Profile>.Default));

        Assert.Equal(DecodeError.PayloadUnreadable, failed.Error);
    }

    [Fact]
    public void Decode_JsonOfAnotherValue_IsUnreadableNotMisread()
    {
        // JSON "not a number" starts with 0x22, which MessagePack reads as the integer 34: the bytes
        // after it make the payload unreadable instead of a silent 34 (a value type changed between deploys).
        var json = EnvelopeCodec.Encode(Envelope.Fresh(1, "not a number", T0, T0), JsonPayloadSerializer<string>.Default);

        var failed = Assert.IsType<DecodeResult<int>.Failed>(EnvelopeCodec.Decode(json, MessagePackPayloadSerializer<int>.Default));

        Assert.Equal(DecodeError.PayloadUnreadable, failed.Error);
    }

    [Fact]
    public void Decode_PayloadNamingAType_NeverLoadsOrMakesIt()
    {
        // What a typeless serializer writes: the .NET type name in an extension, then the object.
        var typeless = MessagePackSerializerOptions.Standard.WithResolver(TypelessContractlessStandardResolver.Instance);
        var named = MessagePackSerializer.Typeless.Serialize(new Marker());
        var nested = MessagePackSerializer.Serialize(new Holder { Value = new Marker() }, typeless);
        Assert.Contains(nameof(Marker), Encoding.UTF8.GetString(named), StringComparison.Ordinal);
        var made = Marker.Made;

        var asObject = EnvelopeCodec.Decode(Payload(named), MessagePackPayloadSerializer<object>.Default);
        var inAMember = EnvelopeCodec.Decode(Payload(nested), MessagePackPayloadSerializer<Holder>.Default);

        Assert.Equal(made, Marker.Made);
        Assert.Equal(DecodeError.PayloadUnreadable, Assert.IsType<DecodeResult<object>.Failed>(asObject).Error);
        Assert.Equal(DecodeError.PayloadUnreadable, Assert.IsType<DecodeResult<Holder>.Failed>(inAMember).Error);
    }

    [Fact]
    public void TryDecode_ReadPath_AllocatesTheEnvelopeAndTheValueOnly()
    {
        var serializer = MessagePackPayloadSerializer<string>.Default;
        var bytes = EnvelopeCodec.Encode(Envelope.Fresh(42, "hello", T0, T0.AddMinutes(1)), serializer);
        for (var i = 0; i < 100; i++) // first calls build the resolver's formatters
            EnvelopeCodec.TryDecode(bytes, serializer, EnvelopeCodec.DefaultMaxPayloadBytes, out _, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = EnvelopeCodec.TryDecode(bytes, serializer, EnvelopeCodec.DefaultMaxPayloadBytes, out var envelope, out _, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decoded);
        Assert.Equal("hello", envelope!.RawValue);
        // An Envelope<string> (~56 bytes) and a five-character string (~32 bytes): no reader, no copy of the payload.
        Assert.InRange(allocated, 1, 128);
    }

    [Fact]
    public void Constructor_TypelessResolver_IsRefusedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new MessagePackPayloadSerializer<object>(TypelessContractlessStandardResolver.Instance));

        Assert.Equal("resolver", error.ParamName);
        Assert.Contains(nameof(TypelessContractlessStandardResolver), error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MessagePackPayloadSerializer<object>(
            CompositeResolver.Create(TypelessObjectResolver.Instance, ContractlessStandardResolver.Instance)));
    }

    [Fact]
    public void Deserialize_DeepNesting_IsRefusedAsUntrustedData()
    {
        // 600 nested arrays: past UntrustedData's depth limit (500), so never a stack overflow.
        var bytes = Enumerable.Repeat((byte)0x91, 600).Append((byte)0xc0).ToArray();

        Assert.ThrowsAny<MessagePackSerializationException>(() => MessagePackPayloadSerializer<object>.Default.Deserialize(bytes));
    }

    private static byte[] Payload(byte[] payload) =>
        EnvelopeCodec.Encode(Envelope.Fresh(1, payload, T0, T0), new RawBytes());

    public sealed record Profile(string Name, int Age, DateTimeOffset Since, IReadOnlyList<string> Roles)
    {
        public string? Nickname { get; init; }
    }

    public sealed class Settable
    {
        public int Id { get; set; }

        public string? Name { get; set; }

        public List<string> Tags { get; set; } = [];
    }

    public sealed class Constructed(int id, string name)
    {
        public int Id { get; } = id;

        public string Name { get; } = name;
    }

    public sealed class Marker
    {
        private static int s_made;

        public Marker() => Interlocked.Increment(ref s_made);

        public static int Made => Volatile.Read(ref s_made);

        public string Name { get; set; } = "marker";
    }

    public sealed class Holder
    {
        public object? Value { get; set; }
    }

    private sealed class RawBytes : IPayloadSerializer<byte[]>
    {
        public byte[] Serialize(byte[] value) => value;

        public byte[] Deserialize(ReadOnlySpan<byte> bytes) => bytes.ToArray();
    }
}
