namespace Cacheback.Tests.Decisions;

/// <summary>
/// Early refresh and lifetime jitter as the executor carries them out: the draw comes from the
/// runtime's <see cref="CachebackRuntimeOptions.Random"/>, the fetch time from the job's own
/// measurement on the runtime's clock.
/// </summary>
public class EarlyRefreshTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetAsync_InsideTheHeadStartOfASlowFetch_ServesTheHit_AndClaimsOneEarlyRefresh()
    {
        // A fetch measured at 2 s, beta 1, a draw of 0.9: a head start of 2 s * -ln(0.1) = 4.6 s.
        var time = new FakeTimeProvider(T0);
        var queue = new CapturingQueue();
        using var runtime = Runtime(time, queue, new FixedRandom(0.9));
        var policy = Policy.Create(lifetime: TimeSpan.FromSeconds(10), earlyRefreshBeta: 1);
        var cached = Cache.Wrap<string, string>((_, _) => { time.Advance(TimeSpan.FromSeconds(2)); return Task.FromResult("v"); }, policy, runtime: runtime, name: "early");

        Assert.Equal("v", await cached.GetAsync("k")); // a miss, fetched: fresh from 2 s to 12 s
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("v", await cached.GetAsync("k")); // at 3 s: 3 + 4.6 < 12, a plain hit
        Assert.Empty(queue.Requests);

        time.Advance(TimeSpan.FromSeconds(5));
        var enqueued = queue.Next();
        var read = cached.GetAsync("k"); // at 8 s: 8 + 4.6 >= 12, refreshed early
        Assert.True(read.IsCompletedSuccessfully); // served at once, as a hit
        Assert.Equal("v", await read);
        await enqueued;
        Assert.Equal("v", await cached.GetAsync("k")); // the lease holds: no second claim

        Assert.Single(queue.Requests);
        var leased = await cached.RawGetAsync("k");
        Assert.Equal(T0.AddSeconds(8) + policy.RefreshTimeout, leased!.LeaseUntil);
        Assert.Equal(T0.AddSeconds(12), leased.FreshUntil); // still fresh: it was served as a hit
    }

    [Fact]
    public async Task GetAsync_ACheapFetch_NeverRefreshesEarly_WhateverTheDraw()
    {
        var time = new FakeTimeProvider(T0);
        var queue = new CapturingQueue();
        using var runtime = Runtime(time, queue, new FixedRandom(0.999_999));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy.Create(lifetime: TimeSpan.FromSeconds(10), earlyRefreshBeta: 10), runtime: runtime, name: "cheap");

        await cached.GetAsync("k");
        time.Advance(TimeSpan.FromMilliseconds(9_999));
        await cached.GetAsync("k");

        Assert.Empty(queue.Requests);
    }

    [Fact]
    public async Task Policies_WithoutEarlyRefreshOrJitter_NeverDraw()
    {
        // Off by default: the random source is not even asked.
        var time = new FakeTimeProvider(T0);
        using var runtime = Runtime(time, new CapturingQueue(), new ThrowingRandom());
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy.Create(lifetime: TimeSpan.FromSeconds(10)), runtime: runtime, name: "off");

        await cached.SetAsync("k", "set");
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("set", await cached.GetAsync("k"));
        Assert.Equal(T0.AddSeconds(10), (await cached.RawGetAsync("k"))!.FreshUntil);
    }

    [Theory]
    [InlineData(0.0, 10_000)]
    [InlineData(0.5, 7_500)]
    [InlineData(0.999, 5_005)]
    public async Task SetAsync_WithLifetimeJitter_ShortensFreshness_ByTheDrawnPartOfTheBound(double draw, int freshForMs)
    {
        var time = new FakeTimeProvider(T0);
        using var runtime = Runtime(time, new CapturingQueue(), new FixedRandom(draw));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy.Create(lifetime: TimeSpan.FromSeconds(10), lifetimeJitter: 0.5), runtime: runtime, name: "jitter");

        await cached.SetAsync("k", "set");

        Assert.Equal(T0.AddMilliseconds(freshForMs), (await cached.RawGetAsync("k"))!.FreshUntil);
    }

    private static CachebackRuntime Runtime(FakeTimeProvider time, IRefreshQueue queue, Random random) =>
        new(new CachebackRuntimeOptions { TimeProvider = time, Store = new MemoryStore(time), Queue = queue, RunRefreshWorker = false, Random = random });

    private sealed class FixedRandom(double draw) : Random
    {
        public override double NextDouble() => draw;
    }

    private sealed class ThrowingRandom : Random
    {
        public override double NextDouble() => throw new InvalidOperationException("No draw was expected.");
    }

    /// <summary>Keeps what is enqueued; <see cref="Next"/> completes on the next arrival.</summary>
    private sealed class CapturingQueue : IRefreshQueue
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<RefreshRequest> Requests { get; } = [];

        public Task Next() => _next.Task;

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
        {
            lock (Requests)
                Requests.Add(request);
            Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();
            return ValueTask.CompletedTask;
        }

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
