using System.Diagnostics;

namespace Cacheback.Benchmarks.Hybrid;

/// <summary>
/// The stale-serving scenario of issue 12, in one process: a key is filled, left to expire, then
/// read by many callers at once (a "stale episode"), again and again. Per cache: the backend
/// fetches per episode, and the callers that took longer than 5 ms. The backend takes 20 ms.
/// </summary>
internal static class StaleEpisodes
{
    public static readonly TimeSpan Expiration = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan Backend = TimeSpan.FromMilliseconds(20);
    public const int Callers = 100;
    public const double SlowMs = 5;

    /// <summary>
    /// Waited after each episode (for a background refresh to land) and again past the expiration,
    /// so that every episode reads an expired entry: a refresh that lands late on a loaded machine
    /// would otherwise leave the next episode fresh.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(150);

    public sealed record Result(string Cache, int Episodes, double FetchesPerEpisode, int SlowCallers, int Calls, double P50Ms, double P99Ms, double MaxMs);

    /// <summary>
    /// Each episode fills a key of its own, lets it expire, then reads it from <see cref="Callers"/>
    /// callers at once: every episode is a stale one, however late the previous refresh landed.
    /// An episode first (not counted) warms the process up (JIT, thread pool).
    /// </summary>
    public static async Task<Result> RunAsync(HybridScenarioCaches.Built cache, int episodes)
    {
        var fetches = 0;
        async Task<string> Factory(CancellationToken ct)
        {
            var n = Interlocked.Increment(ref fetches);
            await Task.Delay(Backend, ct);
            return $"v{n}";
        }

        var latencies = new List<double>(episodes * Callers);
        var refreshes = 0;
        for (var episode = -1; episode < episodes; episode++)
        {
            var key = $"product:{episode + 1}";
            await cache.Read(key, Factory);
            var filled = Volatile.Read(ref fetches);
            await Task.Delay(Expiration + Settle);
            var burst = await BurstAsync(cache.Read, key, Factory);
            // Let a background refresh land before counting it.
            await Task.Delay(Settle);
            if (episode < 0)
                continue;
            latencies.AddRange(burst);
            refreshes += Volatile.Read(ref fetches) - filled;
        }

        latencies.Sort();
        return Summarize(cache.Name, episodes, refreshes, latencies);
    }

    /// <summary><see cref="Callers"/> reads of <paramref name="key"/> issued at once (no thread per caller), each one timed.</summary>
    public static async Task<double[]> BurstAsync(HybridScenarioCaches.Read read, string key, Func<CancellationToken, Task<string>> factory)
    {
        async Task<double> Timed()
        {
            var began = Stopwatch.GetTimestamp();
            await read(key, factory);
            return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        var callers = new Task<double>[Callers];
        for (var i = 0; i < Callers; i++)
            callers[i] = Timed();
        return await Task.WhenAll(callers);
    }

    public static Result Summarize(string name, int episodes, int fetches, List<double> sorted) =>
        new(name, episodes, (double)fetches / episodes, sorted.Count(l => l > SlowMs), sorted.Count,
            sorted[sorted.Count / 2], sorted[(int)(sorted.Count * 0.99)], sorted[^1]);

    public static void Print(TextWriter output, IEnumerable<Result> results)
    {
        output.WriteLine($"| cache | episodes | fetches per stale episode | callers > {SlowMs} ms | p50 ms | p99 ms | max ms |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            output.WriteLine($"| {r.Cache} | {r.Episodes} | {r.FetchesPerEpisode:0.00} | {r.SlowCallers} of {r.Calls} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.00} |");
    }
}
