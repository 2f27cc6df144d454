using System.Globalization;

namespace Cacheback.Benchmarks.Scenarios;

/// <summary>What one scenario run measured; <see cref="Latencies"/> is one entry per caller.</summary>
public sealed record ScenarioResult(string Scenario, int Fetches, TimeSpan[] Latencies, TimeSpan Wall, string Notes)
{
    public static readonly TimeSpan SlowThreshold = TimeSpan.FromMilliseconds(5);

    public static string TableHeader =>
        "| Scenario | Run | Callers | Fetches | p50 | p99 | max | > 5 ms | Wall time | Notes |\n" +
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|";

    public string ToRow(string run)
    {
        var sorted = Latencies.Order().ToArray();
        var slow = sorted.Count(l => l > SlowThreshold);
        return $"| {Scenario} | {run} | {sorted.Length:N0} | {Fetches} | {Ms(Percentile(sorted, 50))} | {Ms(Percentile(sorted, 99))} "
            + $"| {Ms(sorted[^1])} | {slow} | {Ms(Wall)} | {Notes} |";
    }

    // Nearest rank: the smallest latency that at least p% of callers did not exceed.
    private static TimeSpan Percentile(TimeSpan[] sorted, double p) =>
        sorted[Math.Max(0, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];

    private static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0.000} ms");
}
