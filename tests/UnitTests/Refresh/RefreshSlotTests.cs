namespace Cacheback.Tests.Refresh;

/// <summary>The worker takes only what it can run, and a timed-out refresh keeps its slot until its task ends.</summary>
public class RefreshSlotTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task QueueCapacity_Holds_BecauseTheWorkerTakesOnlyWhatItCanRun()
    {
        var queue = new InProcessQueue(capacity: 2);
        using var h = new Harness(queue: queue, refresh: new RefreshPipelineOptions { MaxConcurrency = 1 });
        var fetch = new GatedFetch<string>(k => k.ToString());
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "r5");
        await cached.EnqueueRefreshAsync("k0");
        await fetch.Started.Task; // the one slot is taken

        await queue.EnqueueAsync(new RefreshRequest("r5", "k1", 0, "\"k1\""u8.ToArray(), T0));
        await queue.EnqueueAsync(new RefreshRequest("r5", "k2", 0, "\"k2\""u8.ToArray(), T0));
        var full = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() =>
            queue.EnqueueAsync(new RefreshRequest("r5", "k3", 0, "\"k3\""u8.ToArray(), T0)).AsTask());

        Assert.Contains("full (2 requests waiting)", full.Message);
        Assert.Equal(2, queue.Count);
        fetch.Open();
    }

    [Fact]
    public async Task TimedOutRefresh_NeverLands_AndKeepsItsSlotUntilItsTaskEnds()
    {
        var queue = new InProcessQueue();
        using var h = new Harness(queue: queue, refresh: new RefreshPipelineOptions { MaxConcurrency = 1, Timeout = TimeSpan.FromSeconds(30) });
        var fetch = new GatedFetch<string>(_ => "late");
        var cached = Cache.Wrap<string, string>(async (k, _) => await fetch.Fetch(k, CancellationToken.None), Policy, runtime: h.Runtime, name: "r8");
        var timedOut = h.NextOutcome();
        await cached.EnqueueRefreshAsync("k0");
        await fetch.Started.Task;

        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(RefreshResult.TimedOut, (await timedOut).Result);
        await cached.EnqueueRefreshAsync("k1");
        Assert.Equal(1, queue.Count); // k0's fetch still runs (it ignores its token): no slot for k1
        var next = h.NextOutcome();
        fetch.Open();

        var k1 = await next;
        Assert.Equal(("k1", RefreshResult.Succeeded), (k1.Request.Key, k1.Result));
        Assert.Null(await cached.RawGetAsync("k0")); // the timed-out refresh did not land
    }

    [Fact]
    public async Task Worker_CanStartAgainAfterAStop()
    {
        using var h = new Harness();
        await h.Runtime.Worker.StopAsync(TimeSpan.Zero);
        Assert.False(h.Runtime.Worker.IsRunning);

        h.Runtime.Worker.Start();
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: h.Runtime, name: "restart");
        var outcome = h.NextOutcome();
        await cached.EnqueueRefreshAsync("a");

        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
    }
}
