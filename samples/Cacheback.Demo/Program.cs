// Cacheback on the embedded default (memory store, in-process queue): no server needed.
// A slow "API" sits behind a cache; watch a key go MISS -> HIT -> STALE -> HIT, then a stampede.
// With --redis [connection string] (default 127.0.0.1:6379) the same runs on Redis: a shared
// store and a reliable refresh queue, drained here by this process's worker.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback;

var fetchDelay = TimeSpan.FromMilliseconds(300);
var fetches = 0;
async Task<string> SlowProfileApi(string user, CancellationToken cancellationToken)
{
    var n = Interlocked.Increment(ref fetches);
    await Task.Delay(fetchDelay, cancellationToken);
    return $"profile of {user} (fetch #{n})";
}

var redis = Array.IndexOf(args, "--redis") is var at and >= 0
    ? (at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : "127.0.0.1:6379")
    : null;
using var runtime = redis is null ? new CachebackRuntime() : await OnRedis(redis);
if (runtime is null)
    return 1;
var decisions = new ConcurrentQueue<CacheEvent>();
using var _ = runtime.Events.Where(e => e.Kind is CacheEventKind.Hit or CacheEventKind.StaleHit or CacheEventKind.Miss).Subscribe(decisions.Enqueue);

var policy = Policy.Create(lifetime: TimeSpan.FromSeconds(1), refreshTimeout: TimeSpan.FromSeconds(10));
var profiles = Cache.Wrap<string, string>(SlowProfileApi, policy, name: "profiles", runtime: runtime);

// Warm-up: one quiet cycle on another key, so the timeline shows steady-state latencies rather
// than the JIT compiling each path on first use.
var warmUp = Cache.Wrap<string, string>((u, ct) => Task.FromResult(u), policy.With(lifetime: TimeSpan.FromMilliseconds(1)), name: "warm-up", runtime: runtime);
await warmUp.GetAsync("w");
var warmed = runtime.Outcomes.FirstAsync().ToTask();
await Task.Delay(5);
await warmUp.GetAsync("w");
await warmed;
decisions.Clear();
var clock = Stopwatch.StartNew();

Console.WriteLine($"Cacheback demo ({(redis is null ? "embedded: memory store, in-process queue" : $"Redis at {redis}")}): a {fetchDelay.TotalMilliseconds:0} ms fetch behind a cache with {policy.Lifetime.TotalSeconds:0} s lifetime.");
Console.WriteLine();
Console.WriteLine("  at        read            status   latency      value");
Console.WriteLine("  --------  --------------  -------  -----------  ---------------------------------");

async Task Read(string user)
{
    var started = Stopwatch.GetTimestamp();
    var value = await profiles.GetAsync(user);
    var latency = Stopwatch.GetElapsedTime(started);
    var status = decisions.TryDequeue(out var e) ? e.Kind switch
    {
        CacheEventKind.Hit => "HIT",
        CacheEventKind.StaleHit => "STALE",
        _ => "MISS",
    } : "?";
    decisions.Clear();
    var shown = latency.TotalMilliseconds >= 1 ? $"{latency.TotalMilliseconds,8:0.0} ms" : $"{latency.TotalMicroseconds,8:0.0} µs";
    Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0.000} s  GET {user,-10}  {status,-7}  {shown}  {value}");
}

await Read("alice");                      // nothing cached: fetch now, the caller waits once
await Read("alice");                      // fresh: served from memory
await Task.Delay(policy.Lifetime + TimeSpan.FromMilliseconds(100));
var refreshed = runtime.Outcomes.FirstAsync().ToTask();
await Read("alice");                      // stale: served at once, one refresh starts in the background
await Read("alice");                      // still stale while the refresh runs: no second refresh
var outcome = await refreshed;
Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0.000} s  (background refresh {outcome.Result.ToString().ToLowerInvariant()} in {outcome.Duration.TotalMilliseconds:0} ms)");
await Read("alice");                      // fresh again, with the refreshed value

Console.WriteLine();
var before = fetches;
var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var stampede = Enumerable.Range(0, 1000).Select(_ => Task.Run(async () =>
{
    await gate.Task;
    return await profiles.GetAsync("bob");
})).ToArray();
var stampedeClock = Stopwatch.StartNew();
gate.SetResult();
var values = await Task.WhenAll(stampede);
Console.WriteLine($"Stampede: 1,000 concurrent reads of a cold key in {stampedeClock.Elapsed.TotalMilliseconds:0} ms -> {fetches - before} fetch ran, {values.Distinct().Count()} distinct value served.");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:0.0} s.");
return 0;

// A runtime whose store and queue are Redis, under a key prefix of its own (so every run starts cold).
static async Task<CachebackRuntime?> OnRedis(string connection)
{
    var store = await RedisStore.ConnectAsync(connection, $"cacheback:demo:{Guid.NewGuid():N}:");
    if (!store.Connection.IsConnected)
    {
        Console.Error.WriteLine($"Cannot reach Redis at {connection}. Start one (redis-server --port 6379) or run the demo without --redis.");
        store.Dispose();
        return null;
    }

    var queue = new RedisRefreshQueue(store.Connection, $"demo-{Guid.NewGuid():N}");
    return new CachebackRuntime(new CachebackRuntimeOptions { Store = store, Queue = queue });
}
