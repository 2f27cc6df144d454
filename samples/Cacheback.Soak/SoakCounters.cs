using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Cacheback.Soak;

/// <summary>
/// The soak's tallies, kept where every process that fetches can reach them: in memory for the
/// embedded soak, in Redis (one hash, one in-flight counter per key) when workers fetch too.
/// </summary>
public abstract class SoakCounters
{
    public const string Fetches = "fetches";
    public const string Succeeded = "fetches.succeeded";
    public const string Failed = "fetches.failed";
    public const string Overlapping = "fetches.overlapping";
    public const string OutcomePrefix = "outcome.";

    /// <summary>A fetch of <paramref name="key"/> starts; true when another fetch of it is still running.</summary>
    public abstract Task<bool> EnterFetchAsync(string key);

    public abstract Task ExitFetchAsync(string key);

    public abstract void Add(string counter);

    /// <summary>A fetch of <paramref name="key"/> failed at <paramref name="atMs"/>: a stale value served after it is excused.</summary>
    public abstract Task RecordFailureAsync(string key, long atMs);

    public abstract Task<long?> LastFailureAsync(string key);

    public abstract Task<IReadOnlyDictionary<string, long>> SnapshotAsync();

    /// <summary>
    /// A refresh of <paramref name="key"/> ended: <paramref name="line"/> says when it was enqueued,
    /// started and ended, and how; the last few per key are kept, to explain a late key.
    /// </summary>
    public abstract void RecordRefresh(string key, string line);

    /// <summary>The last refreshes of <paramref name="key"/> recorded, newest first.</summary>
    public abstract Task<IReadOnlyList<string>> RefreshesOfAsync(string key);

    /// <summary>The upper bounds of the buckets of queue wait (enqueued to started), in milliseconds.</summary>
    private static readonly long[] WaitBounds = [10, 50, 100, 250, 500, 1_000, 2_000];

    /// <summary>The buckets' names, shortest wait first: "&lt;10 ms" ... "&gt;=2000 ms".</summary>
    public static IEnumerable<string> WaitBuckets => WaitBounds.Select(b => $"<{b} ms").Append($">={WaitBounds[^1]} ms");

    /// <summary>The counter of a queue wait of <paramref name="waitMs"/>: its bucket's.</summary>
    public static string WaitCounter(long waitMs) => WaitPrefix + (Array.Find(WaitBounds, b => waitMs < b) is var bound and > 0 ? $"<{bound} ms" : $">={WaitBounds[^1]} ms");

    public const string WaitPrefix = "queue.wait ";
}

/// <summary>The embedded soak's tallies.</summary>
public sealed class MemorySoakCounters : SoakCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    public override Task<bool> EnterFetchAsync(string key) =>
        Task.FromResult(Interlocked.Increment(ref _inFlight.GetOrAdd(key, _ => new StrongBox<long>()).Value) > 1);

    public override Task ExitFetchAsync(string key)
    {
        Interlocked.Decrement(ref _inFlight[key].Value);
        return Task.CompletedTask;
    }

    public override void Add(string counter) => Interlocked.Increment(ref _counters.GetOrAdd(counter, _ => new StrongBox<long>()).Value);

    public override Task RecordFailureAsync(string key, long atMs)
    {
        _failures.AddOrUpdate(key, atMs, (_, before) => Math.Max(before, atMs));
        return Task.CompletedTask;
    }

    public override Task<long?> LastFailureAsync(string key) => Task.FromResult(_failures.TryGetValue(key, out var at) ? at : (long?)null);

    public override Task<IReadOnlyDictionary<string, long>> SnapshotAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(_counters.ToDictionary(c => c.Key, c => Interlocked.Read(ref c.Value.Value), StringComparer.Ordinal));

    public override void RecordRefresh(string key, string line) =>
        _refreshes.AddOrUpdate(key, _ => [line], (_, before) => [line, .. before.Take(History - 1)]);

    public override Task<IReadOnlyList<string>> RefreshesOfAsync(string key) =>
        Task.FromResult<IReadOnlyList<string>>(_refreshes.TryGetValue(key, out var lines) ? lines : []);

    private const int History = 6;
    private readonly ConcurrentDictionary<string, string[]> _refreshes = new(StringComparer.Ordinal);
}

/// <summary>The Redis soak's tallies, shared by the reading process and its workers (keys under the run's prefix).</summary>
public sealed class RedisSoakCounters(IDatabase database, string prefix) : SoakCounters
{
    private readonly RedisKey _stats = $"{prefix}soak:stats";
    private readonly RedisKey _failures = $"{prefix}soak:failures";

    public override async Task<bool> EnterFetchAsync(string key) =>
        await database.StringIncrementAsync($"{prefix}soak:inflight:{key}").ConfigureAwait(false) > 1;

    public override Task ExitFetchAsync(string key) => database.StringDecrementAsync($"{prefix}soak:inflight:{key}");

    // Fire and forget: a tally must not slow the fetch it counts; the end of the run waits for Redis.
    public override void Add(string counter) => database.HashIncrement(_stats, counter, 1, CommandFlags.FireAndForget);

    public override Task RecordFailureAsync(string key, long atMs) => database.HashSetAsync(_failures, key, atMs);

    public override async Task<long?> LastFailureAsync(string key) =>
        await database.HashGetAsync(_failures, key).ConfigureAwait(false) is { HasValue: true } at ? (long)at : null;

    public override async Task<IReadOnlyDictionary<string, long>> SnapshotAsync() =>
        (await database.HashGetAllAsync(_stats).ConfigureAwait(false)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);

    // Fire and forget, as the tallies: the last 6 per key.
    public override void RecordRefresh(string key, string line)
    {
        RedisKey list = $"{prefix}soak:refreshes:{key}";
        database.ListLeftPush(list, line, flags: CommandFlags.FireAndForget);
        database.ListTrim(list, 0, 5, CommandFlags.FireAndForget);
    }

    public override async Task<IReadOnlyList<string>> RefreshesOfAsync(string key) =>
        [.. (await database.ListRangeAsync($"{prefix}soak:refreshes:{key}").ConfigureAwait(false)).Select(v => v.ToString())];
}
