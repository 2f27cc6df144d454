using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>
/// Issue 9, point 4: a refresh run with the call's factory (a closure: no queue can carry it) goes
/// through the runtime's refresh pipeline, in its local lane: an outcome on the runtime's outcomes,
/// bounded by MaxConcurrency with every other refresh, on a runtime that drains no queue.
/// </summary>
public sealed class LocalLaneRefreshTests
{
    private static readonly HybridCacheEntryOptions OneMinute = new() { Expiration = TimeSpan.FromMinutes(1) };
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_refresh_with_the_calls_factory_is_an_outcome_of_the_runtimes_pipeline()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, RunRefreshWorker = false });
        using var cache = new CachebackHybridCache(runtime);
        await cache.SetAsync("k", "old", OneMinute);
        time.Advance(TimeSpan.FromMinutes(2));
        var outcome = runtime.Outcomes.FirstAsync().ToTask();

        Assert.Equal("old", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("new"), OneMinute));

        var refreshed = await outcome.WaitAsync(Watchdog);
        Assert.Equal((HybridRefresher.LocalJob, RefreshResult.Succeeded), (refreshed.Request.Job, refreshed.Result));
        Assert.Equal("new", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }

    [Fact]
    public async Task Refreshes_with_the_calls_factory_are_bounded_by_MaxConcurrency()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = time,
            RunRefreshWorker = false,
            Refresh = new RefreshPipelineOptions { MaxConcurrency = 1 },
        });
        using var cache = new CachebackHybridCache(runtime);
        await cache.SetAsync("a", "old", OneMinute);
        await cache.SetAsync("b", "old", OneMinute);
        time.Advance(TimeSpan.FromMinutes(2));
        var open = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var mostAtOnce = 0;
        async ValueTask<string> Factory(string key)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            firstStarted.TrySetResult(key);
            try
            {
                return await open.Task;
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        var aEnded = cache.NextRefreshEnded("a");
        var bEnded = cache.NextRefreshEnded("b");
        Assert.Equal("old", await cache.GetOrCreateAsync("a", "a", (key, _) => Factory(key), OneMinute));
        Assert.Equal("old", await cache.GetOrCreateAsync("b", "b", (key, _) => Factory(key), OneMinute));
        await firstStarted.Task.WaitAsync(Watchdog);
        // Both claimed; one runs, the other waits in the lane (the claims are sent after the reads return: wait for them).
        await WaitUntil(() => runtime.Lane.Count == 1);

        Assert.Equal(1, Volatile.Read(ref running));
        open.SetResult("new");
        await Task.WhenAll(aEnded, bEnded);
        Assert.Equal(1, Volatile.Read(ref mostAtOnce));
        Assert.Equal("new", await cache.GetOrCreateAsync("a", _ => new ValueTask<string>("unused"), OneMinute));
        Assert.Equal("new", await cache.GetOrCreateAsync("b", _ => new ValueTask<string>("unused"), OneMinute));
    }

    private static void InterlockedMax(ref int most, int value)
    {
        for (var seen = Volatile.Read(ref most); value > seen; seen = Volatile.Read(ref most))
            Interlocked.CompareExchange(ref most, value, seen);
    }

    /// <summary>Waits for a condition another thread makes true, yielding between looks (no fixed sleep), bounded by the watchdog.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var watchdog = new CancellationTokenSource(Watchdog);
        while (!condition())
        {
            watchdog.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}
