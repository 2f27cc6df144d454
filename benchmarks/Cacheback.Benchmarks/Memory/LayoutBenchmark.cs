using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Cacheback.Benchmarks.Memory;

/// <summary>
/// The one question behind the store's layout, asked in one process so that the machine's noise
/// falls on both sides alike: does a record between the dictionary node and the envelope (the
/// memory store before its bound: <c>Entry(Envelope, ExpiresAtMs)</c>) cost a hit anything, against
/// the envelope as the dictionary's value (the store now)? Both dictionaries hold the same keys and
/// envelopes, built in the same order (the old store allocated each record right after its
/// envelope, so they sit side by side in memory, as here); the hit reads the envelope's freshness.
/// </summary>
internal static class LayoutBenchmark
{
    public static void Run(TextWriter output, int[] sizes, int rounds)
    {
        output.WriteLine("| keys | envelope as the value: ns/hit | record around it: ns/hit | record / envelope (median, range over rounds) |");
        output.WriteLine("|---:|---:|---:|---|");
        var fresh = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        foreach (var size in sizes)
        {
            var keys = Enumerable.Range(0, size).Select(i => "user:" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var direct = new ConcurrentDictionary<string, Envelope<string>>(StringComparer.Ordinal);
            var wrapped = new ConcurrentDictionary<string, Wrapped>(StringComparer.Ordinal);
            var at = DateTimeOffset.UtcNow;
            foreach (var key in keys)
                direct[key] = Envelope.Fresh(1, "v", at, at.AddDays(1));
            foreach (var key in keys)
                wrapped[key] = new Wrapped(Envelope.Fresh(1, "v", at, at.AddDays(1)), fresh);
            var order = new string[Math.Max(size, 1_000_000)];
            for (var i = 0; i < order.Length; i++)
                order[i] = keys[i % keys.Length];
            new Random(42).Shuffle(order);

            var directNs = new List<double>();
            var wrappedNs = new List<double>();
            var ratios = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var d = Time(order, key => direct.TryGetValue(key, out var e) && e.FreshUntilMs > 0);
                var w = Time(order, key => wrapped.TryGetValue(key, out var r) && r.Envelope.FreshUntilMs > 0);
                directNs.Add(d);
                wrappedNs.Add(w);
                ratios.Add(w / d);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size:N0} | {Median(directNs):F1} | {Median(wrappedNs):F1} | {Median(ratios):F2}x ({ratios.Min():F2}–{ratios.Max():F2}x) |"));
            GC.KeepAlive(direct);
            GC.KeepAlive(wrapped);
        }
    }

    private static double Time(string[] order, Func<string, bool> hit)
    {
        for (var i = 0; i < Math.Min(order.Length, 100_000); i++)
            hit(order[i]);
        var start = Stopwatch.GetTimestamp();
        var found = 0;
        foreach (var key in order)
            found += hit(key) ? 1 : 0;
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (found != order.Length)
            throw new InvalidOperationException($"{order.Length - found} reads were not hits.");
        return elapsed.TotalNanoseconds / order.Length;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The memory store's record before the bound.</summary>
    private sealed record Wrapped(Envelope<string> Envelope, long ExpiresAtMs);
}
