using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Cacheback.Soak;

/// <summary>What the readers saw.</summary>
public sealed class Readings
{
    public long Reads;
    public long Errors;
    public long WrongValues;
    public long BeyondBound;
    public long ExcusedBeyondBound;
    public long MaxUnexcusedMs;
    public long MaxLagMs;
    public long MaxStaleWindowMs;

    /// <summary>Per key: the value's fetch time, and when a read first found that value stale.</summary>
    public readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long FetchedAtMs, long FirstStaleMs)> FirstStale = new(StringComparer.Ordinal);
    public readonly List<string> FirstErrors = [];
    public readonly List<string> FirstUnexcused = [];
}

/// <summary>The soak itself: warm-up, readers for the duration, a bounded end, the table.</summary>
public static class SoakRun
{
    public static async Task<int> RunAsync(SoakSettings settings)
    {
        settings = settings with { Prefix = settings.Prefix ?? $"cacheback:soak:{Guid.NewGuid():N}:" };
        var mode = settings.Redis is null ? "embedded" : $"redis ({settings.Workers} worker processes)";
        Console.WriteLine($"soak {mode}: {settings.Duration.TotalSeconds:0} s, {settings.Keys} keys, {settings.Readers} readers, "
            + $"lifetime {S(settings.Lifetime)}, refresh timeout {S(settings.RefreshTimeout)}, {settings.FailRate:P0} failing, "
            + $"{settings.SlowRate:P0} slow ({S(settings.SlowFetchTime)}), fetch {S(settings.FetchTime)}, stale window bound {S(settings.StaleBound)}");
        var clock = Stopwatch.StartNew();

        using var host = SoakHost.Build(settings, worker: false);
        var counters = host.Services.GetRequiredService<SoakCounters>();
        var backend = host.Services.GetRequiredService<SoakFetch>();
        var cached = host.Services.GetRequiredKeyedService<CachedFetch<string, SoakValue>>(SoakFetch.JobName);
        using var tally = host.Services.GetRequiredService<CachebackRuntime>().Outcomes.Subscribe(new OutcomeTally(counters, TimeProvider.System));
        await host.StartAsync();
        using var workers = settings.Redis is null ? null : await WorkerProcesses.StartAsync(settings, TimeSpan.FromSeconds(60));
        try
        {
            var keys = Enumerable.Range(0, settings.Keys).Select(i => $"k{i}").ToArray();
            backend.FaultsEnabled = false;
            await WarmUpAsync(cached, keys, settings);
            backend.FaultsEnabled = true;
            Console.WriteLine($"warmed {keys.Length} keys in {clock.Elapsed.TotalSeconds:0.0} s; reading for {settings.Duration.TotalSeconds:0} s");

            var ages = new AgeHistogram((settings.Lifetime + settings.StaleBound) * 4);
            var readings = new Readings();
            var before = await counters.SnapshotAsync();
            var (heap, threads) = ProcessFigures.Measure();
            var self = new ProcessFigures("reader process", heap, threads);
            using var stop = new CancellationTokenSource(settings.Duration);
            var lag = Task.Run(() => WatchLagAsync(readings, stop.Token));
            var readers = Enumerable.Range(0, settings.Readers).Select(_ => Task.Run(() => ReadAsync(cached, counters, keys, settings, ages, readings, stop.Token))).ToArray();
            var readersStopped = await Task.WhenAll(readers.Append(lag)).WaitAsync(settings.Duration + settings.Drain).ContinueWith(t => t.IsCompletedSuccessfully);
            (heap, threads) = ProcessFigures.Measure();
            self = self with { HeapEnd = heap, ThreadsEnd = threads };

            var figures = new List<ProcessFigures> { self };
            if (workers is not null)
                figures.AddRange(await workers.StopAsync(settings.Drain + TimeSpan.FromSeconds(5)));
            else
                await host.StopAsync(); // the embedded worker drains
            var after = await counters.SnapshotAsync();
            var passed = Report(settings, Difference(after, before), ages, readings, figures, readersStopped);
            Console.WriteLine($"soak {mode} {(passed ? "met" : "missed")} its hard targets; {clock.Elapsed.TotalSeconds:0} s in all");
            return passed ? 0 : 1;
        }
        finally
        {
            if (settings.Redis is not null)
                await RemoveKeysAsync(host.Services.GetRequiredService<CachebackRedis>().Connection, settings.Prefix);
        }
    }

    /// <summary>
    /// Fills every key once, spread over one lifetime, so that they go stale one after another
    /// (all at once would be a cold start's herd, not the steady state this soak measures).
    /// </summary>
    private static async Task WarmUpAsync(CachedFetch<string, SoakValue> cached, string[] keys, SoakSettings settings)
    {
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < keys.Length;)
            {
                var due = settings.Lifetime * i / keys.Length - clock.Elapsed;
                if (due > TimeSpan.Zero)
                    await Task.Delay(due);
                // A cold process on a loaded machine may outlast the refresh timeout on its first
                // fetches (JIT, first connections): the warm-up is not measured, so such a key is tried again.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await cached.GetAsync(keys[i]);
                        break;
                    }
                    catch (TimeoutException) when (attempt < 5)
                    {
                    }
                }
            }
        }));
    }

    private static async Task ReadAsync(CachedFetch<string, SoakValue> cached, SoakCounters counters, string[] keys, SoakSettings settings, AgeHistogram ages, Readings readings, CancellationToken stop)
    {
        var boundMs = (long)settings.StaleBound.TotalMilliseconds;
        var lifetimeMs = (long)settings.Lifetime.TotalMilliseconds;
        while (!stop.IsCancellationRequested)
        {
            var key = keys[Random.Shared.Next(keys.Length)];
            try
            {
                // Not given the stop token: a read cancelled by the end of the soak is no error of Cacheback's.
                var value = await cached.GetAsync(key);
                Interlocked.Increment(ref readings.Reads);
                if (value?.Key != key)
                    Interlocked.Increment(ref readings.WrongValues);
                var nowMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                var ageMs = nowMs - (value?.FetchedAtMs ?? 0);
                ages.Record(ageMs);
                // Stale as Cacheback judges it: the lifetime runs from the write, once the fetch has
                // returned, not from the fetch's start (after a slow fetch, a read in between is a hit,
                // and asks for no refresh).
                if (value is not null && nowMs - value.ReadyAtMs > lifetimeMs)
                {
                    // How long since a read first found this value stale (and so asked for a
                    // refresh)? A key nobody read for a while is old, but not late.
                    var first = readings.FirstStale.AddOrUpdate(key, (value.FetchedAtMs, nowMs),
                        (_, seen) => seen.FetchedAtMs >= value.FetchedAtMs ? seen : (value.FetchedAtMs, nowMs));
                    var windowMs = nowMs - first.FirstStaleMs;
                    lock (readings)
                        readings.MaxStaleWindowMs = Math.Max(readings.MaxStaleWindowMs, windowMs);
                    if (windowMs > boundMs)
                    {
                        // Longer is expected after a failed refresh: the stale value stays until a read after the lease.
                        var failedAt = await counters.LastFailureAsync(key);
                        if (failedAt >= value.FetchedAtMs)
                            Interlocked.Increment(ref readings.ExcusedBeyondBound);
                        else
                        {
                            var n = Interlocked.Increment(ref readings.BeyondBound);
                            // What is stored now (its lease says when the refresh was claimed) and the
                            // last refreshes of the key: where the time went.
                            var (stored, refreshes) = n <= 5 ? (await cached.RawGetAsync(key), await counters.RefreshesOfAsync(key)) : (null, []);
                            lock (readings)
                            {
                                readings.MaxUnexcusedMs = Math.Max(readings.MaxUnexcusedMs, windowMs);
                                if (n <= 5)
                                {
                                    readings.FirstUnexcused.Add($"'{key}' served {windowMs} ms after a read first found it stale (at {first.FirstStaleMs}), at {nowMs}, age {ageMs} ms, "
                                        + $"{(failedAt is null ? "never failed" : $"its last failure {value.FetchedAtMs - failedAt} ms before that fetch")}; stored: {stored}");
                                    readings.FirstUnexcused.AddRange(refreshes.Select(line => $"  last refreshes, newest first: {line}"));
                                }
                            }
                        }
                    }
                }
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref readings.Errors) <= 5)
                    lock (readings)
                        readings.FirstErrors.Add($"{e.GetType().Name}: {e.Message}");
            }

            if (settings.ThinkTime > TimeSpan.Zero)
                await Task.Delay(settings.ThinkTime, CancellationToken.None);
        }
    }

    /// <summary>
    /// How late a 100 ms timer fires, at worst: on a shared machine the process itself may stall,
    /// and a stall shows in served ages without being Cacheback's.
    /// </summary>
    private static async Task WatchLagAsync(Readings readings, CancellationToken stop)
    {
        var tick = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            await Task.Delay(tick, CancellationToken.None);
            var lateMs = (long)(Stopwatch.GetElapsedTime(started) - tick).TotalMilliseconds;
            lock (readings)
                readings.MaxLagMs = Math.Max(readings.MaxLagMs, lateMs);
        }
    }

    private static Dictionary<string, long> Difference(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before) =>
        after.ToDictionary(c => c.Key, c => c.Value - before.GetValueOrDefault(c.Key), StringComparer.Ordinal);

    /// <summary>Prints the table; true when every hard target is met.</summary>
    private static bool Report(SoakSettings settings, Dictionary<string, long> counts, AgeHistogram ages, Readings readings, List<ProcessFigures> figures, bool readersStopped)
    {
        long Count(string name) => counts.GetValueOrDefault(name);
        var succeeded = Count(SoakCounters.Succeeded);
        var superseded = Count(SoakCounters.OutcomePrefix + RefreshResult.Superseded) + Count(SoakCounters.OutcomePrefix + RefreshResult.SupersededBeforeFetch);
        var supersededRatio = succeeded == 0 ? 0 : (double)superseded / succeeded;
        var rows = new List<(string Name, string Value, string Verdict)>
        {
            ("reads", $"{readings.Reads:N0} ({readings.Reads / settings.Duration.TotalSeconds:N0}/s)", ""),
            ("errors to callers", $"{readings.Errors:N0}", Hard(readings.Errors == 0)),
            ("wrong values served", $"{readings.WrongValues:N0}", Hard(readings.WrongValues == 0)),
            ("fetches (ok / failed)", $"{Count(SoakCounters.Fetches):N0} ({succeeded:N0} / {Count(SoakCounters.Failed):N0})", ""),
            ("refresh outcomes", string.Join(", ", counts.Where(c => c.Key.StartsWith(SoakCounters.OutcomePrefix, StringComparison.Ordinal) && c.Value != 0)
                .OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key[SoakCounters.OutcomePrefix.Length..]} {c.Value:N0}")), ""),
            ("superseded / successful fetches", $"{superseded:N0} ({supersededRatio:P2})", Soft(supersededRatio < 0.01)),
            ("overlapping fetches of one key", $"{Count(SoakCounters.Overlapping):N0}", ""),
            ("queue wait (enqueued to refresh start), by bucket", string.Join(", ", SoakCounters.WaitBuckets
                .Select(bucket => (bucket, n: Count(SoakCounters.WaitPrefix + bucket))).Where(b => b.n != 0).Select(b => $"{b.bucket} {b.n:N0}")), ""),
            ("served age p50 / p99 / max", $"{S(ages.Percentile(0.50))} / {S(ages.Percentile(0.99))} / {S(ages.Max)}", ""),
            ("longest stale window (first stale read to last)", S(TimeSpan.FromMilliseconds(readings.MaxStaleWindowMs)), ""),
            ($"stale reads later than {S(settings.StaleBound)}, after a failed fetch", $"{readings.ExcusedBeyondBound:N0}", ""),
            ($"stale reads later than {S(settings.StaleBound)}, otherwise", readings.BeyondBound == 0 ? "0" : $"{readings.BeyondBound:N0} (max {S(TimeSpan.FromMilliseconds(readings.MaxUnexcusedMs))})", settings.LateIsSoft ? Soft(readings.BeyondBound == 0) : Hard(readings.BeyondBound == 0)),
            ("reader process: worst timer lateness", $"{readings.MaxLagMs:N0} ms", ""),
            ("readers stopped in time", readersStopped ? "yes" : "no", Hard(readersStopped)),
        };
        foreach (var process in figures)
        {
            var heapFlat = process.HeapEnd is { } heapEnd && heapEnd <= process.HeapStart * 1.25 + (16 << 20);
            var threadsFlat = process.ThreadsEnd is { } threadsEnd && threadsEnd <= process.ThreadsStart + 10;
            rows.Add(($"{process.Name}: heap start -> end", $"{Mb(process.HeapStart)} -> {(process.HeapEnd is { } h ? Mb(h) : "?")}", Soft(heapFlat)));
            rows.Add(($"{process.Name}: threads start -> end", $"{process.ThreadsStart} -> {process.ThreadsEnd?.ToString(CultureInfo.InvariantCulture) ?? "?"}", Soft(threadsFlat)));
        }

        var width = rows.Max(r => r.Name.Length);
        var valueWidth = rows.Max(r => r.Value.Length);
        Console.WriteLine();
        foreach (var (name, value, verdict) in rows)
            Console.WriteLine($"| {name.PadRight(width)} | {value.PadRight(valueWidth)} | {verdict,-9} |");
        foreach (var error in readings.FirstErrors)
            Console.WriteLine($"error: {error}");
        foreach (var old in readings.FirstUnexcused)
            Console.WriteLine($"late: {old}");
        Console.WriteLine();
        return !rows.Any(r => r.Verdict == "FAIL");
    }

    private static string Hard(bool met) => met ? "OK" : "FAIL";

    private static string Soft(bool met) => met ? "OK" : "OVER";

    private static string S(TimeSpan time) => time.TotalSeconds < 1 ? $"{time.TotalMilliseconds:0} ms" : $"{time.TotalSeconds:0.00} s";

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MB";

    private static async Task RemoveKeysAsync(IConnectionMultiplexer connection, string prefix)
    {
        var database = connection.GetDatabase();
        foreach (var endpoint in connection.GetEndPoints())
            foreach (var key in connection.GetServer(endpoint).Keys(pattern: $"{prefix}*", pageSize: 1000))
                await database.KeyDeleteAsync(key, CommandFlags.FireAndForget);
    }
}
