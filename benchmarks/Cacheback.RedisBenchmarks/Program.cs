using System.Diagnostics;
using System.Globalization;
using Cacheback;
using Cacheback.Tests.MultiProcess;
using Cacheback.Tests.Redis;
using Cacheback.Worker;
using StackExchange.Redis;

// Scenario benchmarks of Cacheback on Redis against a redis-server of its own (loopback, free
// port), with Cacheback.Worker processes run as `dotnet Cacheback.Worker.dll`. Prints Markdown.
//
//   dotnet run -c Release --project benchmarks/Cacheback.RedisBenchmarks [-- quick] [-- a|b|c|d|e]
var quick = args.Contains("quick");
var only = args.FirstOrDefault(a => a.Length == 1);
var inv = CultureInfo.InvariantCulture;
using var server = await RedisServer.StartAsync();
using var connection = await server.ConnectAsync();
var db = connection.GetDatabase();
var output = Console.Out;

output.WriteLine($"# Cacheback on Redis: scenarios ({DateTime.UtcNow.ToString("yyyy-MM-dd", inv)})");
output.WriteLine();
output.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; redis-server {connection.GetServer(connection.GetEndPoints()[0]).Version} on loopback, StackExchange.Redis {ClientVersion()}.");
output.WriteLine();

if (only is "e")
{
    // (e) Only when asked: a hit taken apart into await layers (AwaitLayers.cs).
    await AwaitLayers.RunAsync(server.ConnectionString, quick, output);
    return 0;
}

if (only is null or "a")
// (a) A hit through Cache.Wrap over RedisStore vs a raw StringGetAsync of the same key, on the same
// connection: the one RedisStore.ConnectAsync opens (commands fail fast while disconnected), then
// an application's own connection with StackExchange.Redis's defaults.
{
    var rounds = quick ? 3 : 7;
    var prefix = "bench:read:";
    await using var opened = await RedisStore.ConnectAsync(server.ConnectionString, prefix);
    var connections = new[] { ("RedisStore.ConnectAsync", opened.Connection), ("application's own (client defaults)", (IConnectionMultiplexer)connection) };
    output.WriteLine($"## (a) Reads: Cache.Wrap hit over RedisStore vs raw StringGetAsync (median of {rounds} alternating rounds)");
    output.WriteLine();
    output.WriteLine("| connection | callers | ops | raw StringGetAsync | raw + decode | Cache.Wrap GetAsync (hit) | ratio to raw (median) | range | ratio to raw + decode (median) | range | CPU ratio to raw (median) | range | B/op raw / wrap |");
    output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var (label, on) in connections)
    {
        var database = on.GetDatabase();
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new RedisStore(on, prefix), RunRefreshWorker = false });
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), Policy.Create(lifetime: TimeSpan.FromHours(1), cacheTtl: TimeSpan.FromHours(2)), name: "profiles", runtime: runtime);
        await cached.SetAsync("user-1", new string('x', 100));
        var rawKey = (RedisKey)$"{prefix}profiles:user-1";
        if (!(await database.StringGetAsync(rawKey)).HasValue)
            throw new InvalidOperationException($"{rawKey} is not where the store keeps user-1");
        Func<Task> raw = async () => await database.StringGetAsync(rawKey);
        Func<Task> wrap = async () => await cached.GetAsync("user-1");
        // What an application does with the raw bytes anyway: read the value out of them.
        Func<Task> rawDecoded = async () =>
        {
            var bytes = (byte[]?)await database.StringGetAsync(rawKey);
            if (EnvelopeCodec.Decode(bytes, MessagePackPayloadSerializer<string>.Default) is not DecodeResult<string>.Decoded)
                throw new InvalidOperationException("the raw bytes do not decode");
        };
        for (var i = 0; i < 3_000; i++)
        {
            await raw(); // warm-up
            await rawDecoded();
            await wrap();
        }

        foreach (var concurrency in new[] { 1, 16, 64 })
        {
            var ops = (quick ? 1 : 10) * (concurrency == 1 ? 2_000 : 20_000);
            // Alternate raw and wrap, round after round, so drift on a shared machine hits both.
            var raws = new List<double>();
            var decodeds = new List<double>();
            var wraps = new List<double>();
            // This process's CPU time per op too: on a shared machine it moves far less with the
            // other processes' load than the elapsed time does, and it is what a hit costs the client.
            var cpuRatios = new List<double>();
            var bytes = (Raw: 0.0, Wrap: 0.0);
            for (var round = 0; round < rounds; round++)
            {
                var r = await Measure(raw, concurrency, ops);
                decodeds.Add((await Measure(rawDecoded, concurrency, ops)).Seconds);
                var w = await Measure(wrap, concurrency, ops);
                raws.Add(r.Seconds);
                wraps.Add(w.Seconds);
                cpuRatios.Add(w.Cpu / r.Cpu);
                bytes = (r.Bytes, w.Bytes);
            }

            cpuRatios.Sort();
            var ratios = raws.Zip(wraps, (r, w) => w / r).Order().ToList();
            var decodedRatios = decodeds.Zip(wraps, (d, w) => w / d).Order().ToList();
            var (rawMedian, decodedMedian, wrapMedian) = (Median(raws), Median(decodeds), Median(wraps));
            output.WriteLine($"| {label} | {concurrency} | {ops:N0} | {rawMedian * 1e6:F1} µs/op ({1 / rawMedian:N0}/s) | {decodedMedian * 1e6:F1} µs/op ({1 / decodedMedian:N0}/s) | {wrapMedian * 1e6:F1} µs/op ({1 / wrapMedian:N0}/s) | {Median(ratios):F2}x | {ratios[0]:F2}–{ratios[^1]:F2}x | {Median(decodedRatios):F2}x | {decodedRatios[0]:F2}–{decodedRatios[^1]:F2}x | {Median(cpuRatios):F2}x | {cpuRatios[0]:F2}–{cpuRatios[^1]:F2}x | {bytes.Raw:F0} / {bytes.Wrap:F0} |");
        }
    }

    output.WriteLine();

    // Per op: elapsed seconds, this process's CPU seconds, and bytes allocated (every thread).
    static async Task<(double Seconds, double Cpu, double Bytes)> Measure(Func<Task> op, int concurrency, int ops)
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

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

if (only is null or "b")
// (b) Refreshes per second through the Redis queue: 1 and 2 worker processes, a trivial fetch.
{
    var requests = quick ? 2_000 : 20_000;
    output.WriteLine($"## (b) Queue drain: {requests:N0} refresh requests of a trivial fetch (job `trivial`), workers with MaxConcurrentRefreshes=64");
    output.WriteLine();
    output.WriteLine("| workers | drain time | refreshes/s | dead letters |");
    output.WriteLine("|---:|---:|---:|---:|");
    foreach (var workers in new[] { 1, 2 })
    {
        var prefix = $"bench:drain{workers}:";
        var queueName = $"drain{workers}";
        using var queue = new RedisRefreshQueue(connection, queueName, new RedisQueueOptions { MaxLength = 1_000_000 });
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new RedisStore(connection, prefix), Queue = queue, RunRefreshWorker = false });
        using var jobs = new DemoJobs(runtime, connection, prefix);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
                await jobs.Trivial.EnqueueRefreshAsync($"k{i}");
        })));
        var counts = await queue.CountsAsync();
        if (counts.Pending != requests)
            throw new InvalidOperationException($"expected {requests} pending, found {counts}");
        var startKey = $"{prefix}ctl:start";
        var children = Enumerable.Range(1, workers).Select(w => ChildProcess.Start($"worker {w}", Arguments(server.ConnectionString, prefix, queueName, TimeSpan.FromHours(1)).Append($"--Worker:StartWhen={startKey}").Append("--Cacheback:MaxConcurrentRefreshes=64"))).ToArray();
        try
        {
            await Task.WhenAll(children.Select(c => c.ExpectAsync("waiting")));
            var stopwatch = Stopwatch.StartNew();
            await db.StringSetAsync(startKey, 1);
            RedisQueueCounts now;
            while ((now = await queue.CountsAsync()) is not { Pending: 0, InFlight: 0 })
            {
                if (stopwatch.Elapsed > TimeSpan.FromMinutes(2))
                    throw new TimeoutException($"not drained after 2 minutes: {now}");
                await Task.Delay(2);
            }

            var elapsed = stopwatch.Elapsed;
            output.WriteLine($"| {workers} | {elapsed.TotalMilliseconds:N0} ms | {requests / elapsed.TotalSeconds:N0} | {now.DeadLettered} |");
        }
        finally
        {
            foreach (var child in children)
                child.Dispose();
        }
    }

    output.WriteLine();
}

if (only is null or "c")
// (c) 64 callers on one stale key from 4 reader processes, 2 workers; refreshes per episode.
{
    var episodes = quick ? 5 : 20;
    var prefix = "bench:stampede:";
    var queueName = "stampede";
    var lifetime = TimeSpan.FromSeconds(1);
    using var queue = new RedisRefreshQueue(connection, queueName);
    using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = new RedisStore(connection, prefix), Queue = queue, RunRefreshWorker = false, DefaultPolicy = Policy.Create(lifetime: lifetime, refreshTimeout: TimeSpan.FromSeconds(3), cacheTtl: TimeSpan.FromHours(1)) });
    using var jobs = new DemoJobs(runtime, connection, prefix);
    await jobs.Profiles.SetAsync("hot", "hot#0");
    var arguments = Arguments(server.ConnectionString, prefix, queueName, lifetime).Append("--Cacheback:RefreshTimeout=00:00:03").ToArray();
    var workers = Enumerable.Range(1, 2).Select(w => ChildProcess.Start($"worker {w}", arguments)).ToArray();
    var readers = Enumerable.Range(1, 4).Select(r => ChildProcess.Start($"reader {r}", arguments.Prepend("--reader"))).ToArray();
    var perEpisode = new List<long>();
    var burstMs = new List<double>();
    var lost = new List<string>();
    try
    {
        await Task.WhenAll(workers.Concat(readers).Select(c => c.ExpectAsync("ready")));
        var counter = (RedisKey)DemoJobs.FetchCounterKey(prefix, "hot");
        long before = 0;
        for (var episode = 1; episode <= episodes; episode++)
        {
            var envelope = await jobs.Profiles.RawGetAsync("hot") ?? throw new InvalidOperationException("hot is gone");
            // Stale, and no lease left from an episode whose refresh never came (see "lost" below).
            var until = envelope.LeaseUntil is { } lease && lease > envelope.FreshUntil ? lease : envelope.FreshUntil;
            while (DateTimeOffset.UtcNow <= until.AddMilliseconds(20))
                await Task.Delay(10);
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(readers.Select(r => r.SendAsync("burst hot 16")));
            await Task.WhenAll(readers.Select(r => r.ExpectAsync("done")));
            burstMs.Add(stopwatch.Elapsed.TotalMilliseconds);
            // Landed and acknowledged: the counter moved and nothing is pending or in flight.
            while (!((long)await db.StringGetAsync(counter) > before && await queue.CountsAsync() is { Pending: 0, InFlight: 0 }))
            {
                if (stopwatch.Elapsed > TimeSpan.FromSeconds(5))
                {
                    // The claim was written but no request was queued: the key waits out its lease.
                    lost.Add($"episode {episode}: stored {await jobs.Profiles.RawGetAsync("hot")}, queue {await queue.CountsAsync()}; reader log: {readers.Select(r => r.Output).FirstOrDefault(o => o.Contains("warn", StringComparison.Ordinal))?[..Math.Min(600, readers.Select(r => r.Output).First(o => o.Contains("warn", StringComparison.Ordinal)).Length)]}");
                    break;
                }

                await Task.Delay(5);
            }

            var after = (long)await db.StringGetAsync(counter);
            perEpisode.Add(after - before);
            before = after;
        }
    }
    finally
    {
        foreach (var child in workers.Concat(readers))
            child.Dispose();
    }

    output.WriteLine($"## (c) Stampede across processes: 64 callers (4 reader processes x 16) on one stale key, 2 worker processes, {episodes} episodes");
    output.WriteLine();
    output.WriteLine("| episodes | refreshes per episode (each) | episodes with exactly 1 | burst of 64 reads, median / max (incl. stdin/stdout round trip) |");
    output.WriteLine("|---:|---|---:|---:|");
    burstMs.Sort();
    output.WriteLine($"| {episodes} | {string.Join(" ", perEpisode)} | {perEpisode.Count(n => n == 1)}/{episodes} | {burstMs[burstMs.Count / 2]:F1} ms / {burstMs[^1]:F1} ms |");
    foreach (var line in lost)
        output.WriteLine($"- no refresh: {line}");
    output.WriteLine();
}

if (only is null or "d")
// (d) The L1 hit path: Cache.Wrap over L1Store (in front of RedisStore) vs over the embedded
// MemoryStore, the value warm in memory; one thread, so this measures the code, not the machine.
{
    var rounds = quick ? 3 : 9;
    var ops = quick ? 200_000 : 2_000_000;
    var prefix = "bench:l1:";
    var policy = Policy.Create(lifetime: TimeSpan.FromHours(1), cacheTtl: TimeSpan.FromHours(2));
    using var l2 = new RedisStore(connection, prefix);
    using var l1 = new L1Store(l2);
    await l1.Ready;
    using var memoryRuntime = new CachebackRuntime(new CachebackRuntimeOptions { RunRefreshWorker = false });
    using var l1Runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = l1, RunRefreshWorker = false });
    var memory = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), policy, name: "profiles", runtime: memoryRuntime);
    var layered = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), policy, name: "profiles", runtime: l1Runtime);
    await memory.SetAsync("user-1", new string('x', 100));
    await layered.SetAsync("user-1", new string('x', 100));

    (double Ns, double Bytes) Measure(CachedFetch<string, string> cached)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < ops; i++)
        {
            var read = cached.GetAsync("user-1");
            if (!read.IsCompletedSuccessfully)
                throw new InvalidOperationException("a warm hit went asynchronous: the value is not in memory");
        }

        return (stopwatch.Elapsed.TotalNanoseconds / ops, (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / ops);
    }

    Measure(memory);
    Measure(layered); // warm-up (tiered JIT)
    var memoryNs = new List<double>();
    var layeredNs = new List<double>();
    var bytes = (Memory: 0.0, Layered: 0.0);
    for (var round = 0; round < rounds; round++)
    {
        var (m, mb) = Measure(memory);
        var (l, lb) = Measure(layered);
        memoryNs.Add(m);
        layeredNs.Add(l);
        bytes = (Math.Max(bytes.Memory, mb), Math.Max(bytes.Layered, lb));
    }

    var ratios = memoryNs.Zip(layeredNs, (m, l) => l / m).Order().ToList();
    output.WriteLine($"## (d) L1 hit path: Cache.Wrap over L1Store vs over MemoryStore, warm, one thread ({ops:N0} hits x {rounds} alternating rounds)");
    output.WriteLine();
    output.WriteLine("| store | ns/hit (median) | bytes allocated/hit | ratio to MemoryStore (median, range) |");
    output.WriteLine("|---|---:|---:|---:|");
    output.WriteLine($"| MemoryStore (embedded default) | {memoryNs.Order().ElementAt(rounds / 2):F1} | {bytes.Memory:F2} | 1.00x |");
    output.WriteLine($"| L1Store over RedisStore | {layeredNs.Order().ElementAt(rounds / 2):F1} | {bytes.Layered:F2} | {ratios[rounds / 2]:F2}x ({ratios[0]:F2}–{ratios[^1]:F2}x) |");
    output.WriteLine();
}

return 0;

// The client this build runs with (2.x, or 3.x with -p:RedisClientVersion), without the commit hash.
static string ClientVersion() =>
    (typeof(ConnectionMultiplexer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "?").Split('+')[0];

static IEnumerable<string> Arguments(string redis, string prefix, string queue, TimeSpan lifetime) =>
[
    $"--Cacheback:Redis={redis}",
    $"--Worker:Prefix={prefix}",
    $"--Worker:Queue={queue}",
    "--Worker:PollInterval=00:00:00.100",
    $"--Cacheback:Lifetime={lifetime.ToString("c", CultureInfo.InvariantCulture)}",
    "--Cacheback:RefreshTimeout=00:01:00",
    "--Cacheback:CacheTtl=02:00:00",
    "--Logging:LogLevel:Default=Warning",
];
