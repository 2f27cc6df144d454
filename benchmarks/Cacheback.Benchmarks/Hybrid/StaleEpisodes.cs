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

    public sealed record Result(string Cache, int Episodes, double FetchesPerEpisode, int SlowCallers, int Calls, double P50Ms, double P99Ms, double MaxMs);

    public static async Task<Result> RunAsync(HybridScenarioCaches.Built cache, int episodes, Func<int>? sharedFetches = null)
    {
        var fetches = 0;
        async Task<string> Factory(CancellationToken ct)
        {
            var n = Interlocked.Increment(ref fetches);
            await Task.Delay(Backend, ct);
            return $"v{n}";
        }

        const string key = "product:42";
        await cache.Read(key, Factory);
        var latencies = new List<double>(episodes * Callers);
        for (var episode = 0; episode < episodes; episode++)
        {
            await Task.Delay(Expiration + TimeSpan.FromMilliseconds(20));
            using var start = new ManualResetEventSlim();
            var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                var began = Stopwatch.GetTimestamp();
                await cache.Read(key, Factory);
                return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            })).ToArray();
            start.Set();
            latencies.AddRange(await Task.WhenAll(callers));
            // Let a background refresh land before the next episode begins to count down.
            await Task.Delay(Backend * 3);
        }

        latencies.Sort();
        var total = (sharedFetches?.Invoke() ?? fetches) - 1;
        return new Result(cache.Name, episodes, (double)total / episodes, latencies.Count(l => l > SlowMs), latencies.Count,
            latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)], latencies[^1]);
    }

    public static void Print(TextWriter output, IEnumerable<Result> results)
    {
        output.WriteLine($"| cache | episodes | fetches per stale episode | callers > {SlowMs} ms | p50 ms | p99 ms | max ms |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
            output.WriteLine($"| {r.Cache} | {r.Episodes} | {r.FetchesPerEpisode:0.00} | {r.SlowCallers} of {r.Calls} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.00} |");
    }
}
