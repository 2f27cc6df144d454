using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Cacheback.Benchmarks;

/// <summary>
/// The default value serializer (MessagePack, contractless) against JSON (System.Text.Json), the way
/// a byte store uses them: encode an envelope, then decode it (<see cref="EnvelopeCodec"/>), for a
/// record of ten fields, a list of 100 such records and a 10 KB string. JSON is the baseline of each
/// category, so Ratio reads "MessagePack's time as a fraction of JSON's".
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MedianColumn]
public class SerializerBenchmarks
{
    private static readonly DateTimeOffset Fetched = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

    private readonly Envelope<Order> _record = Wrap(Order.Sample(0));
    private readonly Envelope<List<Order>> _list = Wrap(Enumerable.Range(0, 100).Select(Order.Sample).ToList());
    private readonly Envelope<string> _text = Wrap(string.Concat(Enumerable.Range(0, 10 * 1024).Select(i => (char)('a' + (i % 26)))));

    /// <summary>Ten fields of the kinds a cached row has: numbers, text, a time, a flag, a Guid, a decimal.</summary>
    public sealed record Order(
        int Id, string Customer, string Email, decimal Total, DateTimeOffset PlacedAt,
        bool Paid, long ItemCount, double WeightKg, Guid Reference, string Status)
    {
        public static Order Sample(int i) => new(
            i, $"Customer {i}", $"customer{i}@example.com", 1234.56m + i, Fetched.AddMinutes(-i),
            i % 2 == 0, 3L + i, 1.25 * i, new Guid(i, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1), i % 3 == 0 ? "shipped" : "open");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Record10")]
    public Envelope<Order> Json_Record10() => RoundTrip(_record, JsonPayloadSerializer<Order>.Default);

    [Benchmark, BenchmarkCategory("Record10")]
    public Envelope<Order> MessagePack_Record10() => RoundTrip(_record, MessagePackPayloadSerializer<Order>.Default);

    [Benchmark(Baseline = true), BenchmarkCategory("List100")]
    public Envelope<List<Order>> Json_List100() => RoundTrip(_list, JsonPayloadSerializer<List<Order>>.Default);

    [Benchmark, BenchmarkCategory("List100")]
    public Envelope<List<Order>> MessagePack_List100() => RoundTrip(_list, MessagePackPayloadSerializer<List<Order>>.Default);

    [Benchmark(Baseline = true), BenchmarkCategory("String10K")]
    public Envelope<string> Json_String10K() => RoundTrip(_text, JsonPayloadSerializer<string>.Default);

    [Benchmark, BenchmarkCategory("String10K")]
    public Envelope<string> MessagePack_String10K() => RoundTrip(_text, MessagePackPayloadSerializer<string>.Default);

    /// <summary>The encoded sizes (payload and whole envelope) of each value under each serializer.</summary>
    public static void PrintSizes(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var benchmarks = new SerializerBenchmarks();
        output.WriteLine("| Value | JSON payload | MessagePack payload | MessagePack / JSON | JSON envelope | MessagePack envelope |");
        output.WriteLine("|---|--:|--:|--:|--:|--:|");
        Row(output, "Record10", benchmarks._record, JsonPayloadSerializer<Order>.Default, MessagePackPayloadSerializer<Order>.Default);
        Row(output, "List100", benchmarks._list, JsonPayloadSerializer<List<Order>>.Default, MessagePackPayloadSerializer<List<Order>>.Default);
        Row(output, "String10K", benchmarks._text, JsonPayloadSerializer<string>.Default, MessagePackPayloadSerializer<string>.Default);
    }

    private static void Row<T>(TextWriter output, string name, Envelope<T> envelope, IPayloadSerializer<T> json, IPayloadSerializer<T> messagePack)
    {
        var (jsonPayload, packPayload) = (json.Serialize(envelope.RawValue).Length, messagePack.Serialize(envelope.RawValue).Length);
        var (jsonEnvelope, packEnvelope) = (EnvelopeCodec.Encode(envelope, json).Length, EnvelopeCodec.Encode(envelope, messagePack).Length);
        output.WriteLine(FormattableString.Invariant(
            $"| {name} | {jsonPayload:N0} | {packPayload:N0} | {(double)packPayload / jsonPayload:F2} | {jsonEnvelope:N0} | {packEnvelope:N0} |"));
    }

    private static Envelope<T> Wrap<T>(T value) => Envelope.Fresh(1, value, Fetched, Fetched.AddMinutes(10));

    // What a byte store does per write and per read (EncodedStore: Encode, then TryDecode).
    private static Envelope<T> RoundTrip<T>(Envelope<T> envelope, IPayloadSerializer<T> serializer) =>
        EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(envelope, serializer), serializer, EnvelopeCodec.DefaultMaxPayloadBytes, out var decoded, out _, out var detail)
            ? decoded
            : throw new InvalidOperationException(detail);
}
