using System.Diagnostics;
using Microsoft.Extensions.Caching.Memory;

namespace Cacheback.Benchmarks.Memory;

/// <summary>
/// What the embedded store costs in memory and per hit as it fills, against <see cref="IMemoryCache"/>:
/// for each size, the retained bytes per entry (<see cref="GC.GetTotalMemory(bool)"/> after a full GC,
/// before and after filling; keys and the value are allocated beforehand and shared, so the figure is
/// the store's own overhead per entry) and the cost of a hit on a resident key, walking the keys in a
/// shuffled order so that a large store is read as a real one is, out of the CPU caches.
/// A timed loop rather than BenchmarkDotNet: filling a million entries per iteration is not what
/// BenchmarkDotNet models, and the table must show memory and time from the same fill.
/// </summary>
internal static class MemoryBenchmark
{
    private const string Value = "v";
    private static readonly TimeSpan Ttl = TimeSpan.FromDays(1);

    public static async Task RunAsync(TextWriter output, int[] sizes, int rounds)
    {
        output.WriteLine("| keys | store | bytes/entry (retained) | ns/hit (median of rounds) | bytes allocated/hit | hit / IMemoryCache |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var keys = Enumerable.Range(0, size).Select(i => "user:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var order = Shuffled(keys, Math.Max(size, 1_000_000));

            var (memoryCacheBytes, memoryCache) = Measure(keys.Length, () => FillMemoryCache(keys));
            var (cachebackBytes, cacheback) = Measure(keys.Length, () => FillCacheback(keys).GetAwaiter().GetResult());
            using (memoryCache)
            using (cacheback.Runtime)
            {
                // The job's partition is filled after the measurement of memory: same keys, same value, its own entries.
                var job = new BenchJob();
                job.AttachTo(cacheback.Runtime);
                foreach (var key in keys)
                    await job.SetAsync(key, Value).ConfigureAwait(false);
                // Compacted as the wrapped function's entries were (Measure's full collection), so that
                // the two are read from alike layouts and differ only by their paths.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                var times = new Dictionary<string, List<double>> { ["IMemoryCache.TryGetValue"] = [], ["Cache.Wrap GetAsync"] = [], ["Job.GetAsync"] = [], ["MemoryStore ReadAsync"] = [] };
                var allocated = new Dictionary<string, double>();
                for (var round = 0; round < rounds; round++)
                {
                    Time("IMemoryCache.TryGetValue", times, allocated, order, key => memoryCache.TryGetValue(key, out var v) && v is not null);
                    Time("Cache.Wrap GetAsync", times, allocated, order, key => cacheback.Cached.GetAsync(key).Result is not null);
                    Time("Job.GetAsync", times, allocated, order, key => job.GetAsync(key).Result is not null);
                    Time("MemoryStore ReadAsync", times, allocated, order, key => cacheback.Partition.ReadAsync(key).Result is not null);
                }

                var baseline = Median(times["IMemoryCache.TryGetValue"]);
                foreach (var (name, bytes) in new[] { ("IMemoryCache.TryGetValue", memoryCacheBytes), ("Cache.Wrap GetAsync", cachebackBytes), ("Job.GetAsync", cachebackBytes), ("MemoryStore ReadAsync", cachebackBytes) })
                {
                    var median = Median(times[name]);
                    // Below a thousand keys the figure is the fixed cost of the store or runtime, not a cost per entry.
                    var perEntry = size < 1_000 ? "n/a" : bytes.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
                    output.WriteLine($"| {size:N0} | {name} | {perEntry} | {median:F1} | {allocated[name]:F2} | {median / baseline:F2}x |");
                }
            }

            await output.FlushAsync().ConfigureAwait(false);
        }
    }

    private static (double BytesPerEntry, T Filled) Measure<T>(int count, Func<T> fill)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var filled = fill();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(filled);
        return ((after - before) / (double)count, filled);
    }

    private static MemoryCache FillMemoryCache(string[] keys)
    {
        var cache = new MemoryCache(new MemoryCacheOptions());
        foreach (var key in keys)
            cache.Set(key, Value, Ttl);
        return cache;
    }

    private static async Task<Filled> FillCacheback(string[] keys)
    {
        var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = MemoryBenchmarkStore.Create(keys.Length), RunRefreshWorker = false });
        var cached = Cache.Wrap((string key, CancellationToken _) => Task.FromResult(Value), Policy.Create(lifetime: Ttl), name: "bench.memory", runtime: runtime);
        foreach (var key in keys)
            await cached.SetAsync(key, Value).ConfigureAwait(false);
        var partition = runtime.Store.Partition(new PartitionSpec<string>("bench.memory", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));
        return new Filled(runtime, cached, partition);
    }

    private static void Time(string name, Dictionary<string, List<double>> times, Dictionary<string, double> allocated, string[] order, Func<string, bool> hit)
    {
        // Warm-up pass (JIT, tiering), then the timed pass.
        for (var i = 0; i < Math.Min(order.Length, 200_000); i++)
            hit(order[i]);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var misses = 0;
        foreach (var key in order)
        {
            if (!hit(key))
                misses++;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        allocated[name] = (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)order.Length;
        if (misses > 0)
            throw new InvalidOperationException($"{name}: {misses} of {order.Length} reads were not hits.");
        times[name].Add(elapsed.TotalNanoseconds / order.Length);
    }

    /// <summary>At least <paramref name="length"/> reads of the keys in a fixed pseudo-random order.</summary>
    private static string[] Shuffled(string[] keys, int length)
    {
        var random = new Random(42);
        var order = new string[length];
        for (var i = 0; i < length; i++)
            order[i] = keys[i % keys.Length];
        random.Shuffle(order);
        return order;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>A <see cref="Job{TArgs, TResult}"/> on a string key, the other way to define a cached read.</summary>
    private sealed class BenchJob : Job<string, string>
    {
        public override string Name => "bench.job";

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: Ttl);

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(Value);
    }

    private sealed record Filled(CachebackRuntime Runtime, CachedFetch<string, string> Cached, IEnvelopeStore<string> Partition);
}
