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

    /// <summary>
    /// The same six round trips, interleaved: each round times every benchmark once (a batch of about
    /// 20 ms), so a machine shared with other work slows all of them alike. Reports each one's fastest
    /// and median batch; the fastest is the best estimate of the uncontended cost.
    /// </summary>
    public static void RunInterleaved(TextWriter output, int rounds = 40)
    {
        ArgumentNullException.ThrowIfNull(output);
        var b = new SerializerBenchmarks();
        (string Name, Func<object> Run)[] cases =
        [
            ("Json_Record10", b.Json_Record10), ("MessagePack_Record10", b.MessagePack_Record10),
            ("Json_List100", b.Json_List100), ("MessagePack_List100", b.MessagePack_List100),
            ("Json_String10K", b.Json_String10K), ("MessagePack_String10K", b.MessagePack_String10K),
        ];
        var batch = cases.Select(c => Calibrate(c.Run)).ToArray();
        var perOp = cases.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                for (var n = 0; n < batch[i]; n++)
                    cases[i].Run();
                perOp[i].Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds / batch[i]);
            }
        }

        output.WriteLine(FormattableString.Invariant($"| Method | Fastest batch (ns/op) | Median batch (ns/op) | Ops per batch |"));
        output.WriteLine("|---|--:|--:|--:|");
        for (var i = 0; i < cases.Length; i++)
        {
            var sorted = perOp[i].Order().ToArray();
            output.WriteLine(FormattableString.Invariant($"| {cases[i].Name} | {sorted[0]:N0} | {sorted[sorted.Length / 2]:N0} | {batch[i]:N0} |"));
        }
    }

    // Ops for a ~20 ms batch, from the fastest of ten samples of ten ops (a pause of the machine in
    // one sample must not shrink the batch), after a warm-up that lets tiered compilation settle.
    private static int Calibrate(Func<object> run)
    {
        for (var i = 0; i < 2_000; i++)
            run();
        var fastest = double.MaxValue;
        for (var sample = 0; sample < 10; sample++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < 10; i++)
                run();
            fastest = Math.Min(fastest, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds / 10);
        }

        return Math.Max((int)(20_000_000 / fastest), 1);
    }

    private static Envelope<T> Wrap<T>(T value) => Envelope.Fresh(1, value, Fetched, Fetched.AddMinutes(10));

    // What a byte store does per write and per read (EncodedStore: Encode, then TryDecode).
    private static Envelope<T> RoundTrip<T>(Envelope<T> envelope, IPayloadSerializer<T> serializer) =>
        EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(envelope, serializer), serializer, EnvelopeCodec.DefaultMaxPayloadBytes, out var decoded, out _, out var detail)
            ? decoded
            : throw new InvalidOperationException(detail);
}
