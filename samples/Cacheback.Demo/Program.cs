// Cacheback on the embedded default (memory store, in-process queue): no server needed.
// A slow "API" sits behind a cache; watch a key go MISS -> HIT -> STALE -> HIT, then a stampede.
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

using var runtime = new CachebackRuntime();
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

Console.WriteLine($"Cacheback demo: a {fetchDelay.TotalMilliseconds:0} ms fetch behind a cache with {policy.Lifetime.TotalSeconds:0} s lifetime.");
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
