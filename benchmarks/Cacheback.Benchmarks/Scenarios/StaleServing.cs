using System.Diagnostics;

namespace Cacheback.Benchmarks.Scenarios;

/// <summary>
/// A steady trickle of callers (one per millisecond for a second) across the moment a 1 s item
/// goes stale. Stale-while-revalidate means nobody waits for the 200 ms refresh: every caller
/// should get a value in well under 5 ms, and the refresh should run once.
/// </summary>
public static class StaleServing
{
    private const int Callers = 1_000;
    private const string Key = "hot-key";
    private static readonly TimeSpan FetchTime = TimeSpan.FromMilliseconds(200);

    // Callers run from 0.5 s to 1.5 s after the fill: half fresh, then the expiry at 1 s, the
    // stale reads while the refresh runs (until ~1.2 s), then fresh again.
    private static readonly TimeSpan FirstCallerAfterFill = TimeSpan.FromMilliseconds(500);

    public static async Task<ScenarioResult> RunAsync()
    {
        using var runtime = new CachebackRuntime();
        var fetches = 0;
        var cached = Cache.Wrap(
            async (string key, CancellationToken cancellationToken) =>
            {
                var n = Interlocked.Increment(ref fetches);
                await Task.Delay(FetchTime, cancellationToken);
                return $"fetch #{n}";
            },
            Policy.Create(lifetime: TimeSpan.FromSeconds(1), refreshTimeout: TimeSpan.FromSeconds(5)),
            name: "scenario.stale-serving",
            runtime: runtime);

        await cached.GetAsync(Key);
        var filled = Stopwatch.GetTimestamp();
        var fetchesAfterFill = -Volatile.Read(ref fetches);

        var callers = new Task<(TimeSpan Latency, string Value)>[Callers];
        var first = filled + (long)(FirstCallerAfterFill.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < Callers; i++)
        {
            // Spin to the next millisecond: Task.Delay and timers are too coarse for a 1 ms cadence.
            var due = first + i * Stopwatch.Frequency / 1000;
            while (Stopwatch.GetTimestamp() < due)
                Thread.SpinWait(10);
            callers[i] = Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var value = await cached.GetAsync(Key);
                return (Stopwatch.GetElapsedTime(started), value);
            });
        }

        var results = await Task.WhenAll(callers);
        var wall = Stopwatch.GetElapsedTime(first);
        fetchesAfterFill += Volatile.Read(ref fetches);

        var fromFill = results.Count(r => r.Value == "fetch #1");
        return new ScenarioResult("stale serving", fetchesAfterFill, [.. results.Select(r => r.Latency)], wall,
            $"fetches exclude the initial fill; latency = GetAsync call → value; {fromFill} callers got the fill's value, "
            + $"{Callers - fromFill} the refreshed one; lifetime 1 s, fetch = 200 ms, callers 0.5–1.5 s after the fill");
    }
}
