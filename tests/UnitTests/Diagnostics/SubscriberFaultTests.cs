namespace Cacheback.Tests.Diagnostics;

/// <summary>A subscriber that throws is logged; reads and refreshes go on.</summary>
public class SubscriberFaultTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task ThrowingEventSubscriber_DoesNotFailReads()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy, runtime: h.Runtime, name: "r3");
        await cached.GetAsync("k");
        using var _ = h.Runtime.Events.Subscribe(e => throw new InvalidOperationException("observer bug"));

        Assert.Equal("v", await cached.GetAsync("k"));
        Assert.Contains(h.Logs.Entries, e => e.Exception?.Message == "observer bug");
    }

    [Fact]
    public async Task ThrowingOutcomeSubscriber_DoesNotStopRefreshing()
    {
        using var h = new Harness();
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "r9");
        using var _ = h.Runtime.Outcomes.Subscribe(o => throw new InvalidOperationException("observer bug"));

        var first = h.NextOutcome();
        await cached.EnqueueRefreshAsync("a");
        await first;
        var second = h.NextOutcome();
        await cached.EnqueueRefreshAsync("b");
        await second;

        Assert.Equal(2, calls);
        Assert.NotNull(await cached.RawGetAsync("b"));
    }
}
