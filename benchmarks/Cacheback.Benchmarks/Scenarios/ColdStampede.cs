using System.Diagnostics;

namespace Cacheback.Benchmarks.Scenarios;

/// <summary>
/// 1,000 callers released at once on a key nobody has read: single-flight should make it one
/// fetch, and every caller should wait about one fetch (50 ms), not a queue of them.
/// </summary>
public static class ColdStampede
{
    private const int Callers = 1_000;
    private static readonly TimeSpan FetchTime = TimeSpan.FromMilliseconds(50);

    public static async Task<ScenarioResult> RunAsync()
    {
        using var runtime = new CachebackRuntime();
        var fetches = 0;
        var cached = Cache.Wrap(
            async (string key, CancellationToken cancellationToken) =>
            {
                Interlocked.Increment(ref fetches);
                await Task.Delay(FetchTime, cancellationToken);
                return "value of " + key;
            },
            name: "scenario.cold-stampede",
            runtime: runtime);

        // Every caller is parked on the gate before it opens, so they really arrive together.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = 0;
        var released = 0L;
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            Interlocked.Increment(ref ready);
            await gate.Task;
            await cached.GetAsync("cold-key");
            return Stopwatch.GetElapsedTime(Volatile.Read(ref released));
        })).ToArray();
        while (Volatile.Read(ref ready) < Callers)
            await Task.Yield();

        Volatile.Write(ref released, Stopwatch.GetTimestamp());
        gate.SetResult();
        var latencies = await Task.WhenAll(callers);
        var wall = Stopwatch.GetElapsedTime(released);

        return new ScenarioResult("cold stampede", fetches, latencies, wall,
            "latency = gate release → value; fetch = 50 ms");
    }
}
