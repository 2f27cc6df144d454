using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Cacheback;
using StackExchange.Redis;

/// <summary>
/// Scenario (e), run only when asked: where a Cache.Wrap hit's time goes beyond a raw GET, one piece
/// added at a time on the same connection, in alternating rounds (elapsed and this process's CPU
/// per op, as ratios to the raw GET of the same round). Made to profile the 64-caller gap without
/// a profiler: each await layer between the GET and the caller is a pooled box and a continuation.
/// </summary>
internal static class AwaitLayers
{
    public static async Task RunAsync(string connectionString, bool quick, TextWriter output)
    {
        var prefix = "bench:layers:";
        await using var opened = await RedisStore.ConnectAsync(connectionString, prefix);
        var database = opened.Connection.GetDatabase();
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = opened, RunRefreshWorker = false });
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), Policy.Create(lifetime: TimeSpan.FromHours(1), cacheTtl: TimeSpan.FromHours(2)), name: "profiles", runtime: runtime);
        await cached.SetAsync("user-1", new string('x', 100));
        var rawKey = (RedisKey)$"{prefix}profiles:user-1";
        RedisKey keyPrefix = Encoding.UTF8.GetBytes($"{prefix}profiles:");
        var partition = opened.Partition(new PartitionSpec<string>("profiles", MessagePackPayloadSerializer<string>.Default, (_, _, _) => { }));
        var split = (ISplitRead<string>)partition;
        var variants = new (string Name, Func<Task> Op)[]
        {
            ("raw StringGetAsync", async () => await database.StringGetAsync(rawKey)),
            ("raw, key as prefix bytes + string (the store's)", async () => await database.StringGetAsync(keyPrefix.Append("user-1"))),
            ("raw + 1 pooled await layer", async () => await OneLayer(database, rawKey)),
            ("raw + 2 pooled await layers", async () => await TwoLayers(database, rawKey)),
            ("store ReadAsync (1 layer + memo)", async () => await partition.ReadAsync("user-1")),
            ("store split read in 1 layer (what the executor does)", async () => await SplitRead(split, "user-1")),
            ("Cache.Wrap GetAsync (hit)", async () => await cached.GetAsync("user-1")),
        };
        foreach (var (_, op) in variants)
        {
            for (var i = 0; i < 3_000; i++)
                await op(); // warm-up
        }

        var rounds = quick ? 3 : 7;
        output.WriteLine($"## (e) Await layers: a Redis hit taken apart (ratios to the raw GET of the same round, median of {rounds} rounds, range)");
        output.WriteLine();
        output.WriteLine("| callers | variant | elapsed ratio | CPU ratio | B/op |");
        output.WriteLine("|---:|---|---:|---:|---:|");
        foreach (var concurrency in new[] { 16, 64 })
        {
            var ops = quick ? 20_000 : 200_000;
            var elapsed = variants.Select(_ => new List<double>()).ToArray();
            var cpu = variants.Select(_ => new List<double>()).ToArray();
            var bytes = new double[variants.Length];
            for (var round = 0; round < rounds; round++)
            {
                var raw = await Measure(variants[0].Op, concurrency, ops);
                bytes[0] = raw.Bytes;
                for (var j = 1; j < variants.Length; j++)
                {
                    var m = await Measure(variants[j].Op, concurrency, ops);
                    elapsed[j].Add(m.Seconds / raw.Seconds);
                    cpu[j].Add(m.Cpu / raw.Cpu);
                    bytes[j] = m.Bytes;
                }
            }

            output.WriteLine($"| {concurrency} | {variants[0].Name} | 1.00x | 1.00x | {bytes[0]:F0} |");
            for (var j = 1; j < variants.Length; j++)
                output.WriteLine($"| {concurrency} | {variants[j].Name} | {Median(elapsed[j]):F2}x ({elapsed[j].Min():F2}–{elapsed[j].Max():F2}) | {Median(cpu[j]):F2}x ({cpu[j].Min():F2}–{cpu[j].Max():F2}) | {bytes[j]:F0} |");
        }

        output.WriteLine();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<RedisValue> OneLayer(IDatabase database, RedisKey key) => await database.StringGetAsync(key).ConfigureAwait(false);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<RedisValue> TwoLayers(IDatabase database, RedisKey key) => await OneLayer(database, key).ConfigureAwait(false);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Envelope<string>?> SplitRead(ISplitRead<string> split, string key)
    {
        var started = split.StartRead(key, CancellationToken.None);
        await started.ConfigureAwait(false);
        return split.OpenRead(started, key);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<(double Seconds, double Cpu, double Bytes)> Measure(Func<Task> op, int concurrency, int ops)
    {
        using var self = Process.GetCurrentProcess();
        var (cpu, allocated) = (self.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < ops / concurrency; i++)
                await op();
        })));
        var elapsed = stopwatch.Elapsed;
        self.Refresh();
        double done = ops / concurrency * concurrency;
        return (elapsed.TotalSeconds / done, (self.TotalProcessorTime - cpu).TotalSeconds / done, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / done);
    }
}
