namespace Cacheback.Tests.CSharp;

/// <summary>The overridable hooks of django-cacheback's docs (usage, advanced, api), on Job.</summary>
public class JobHooksTests
{
    public sealed class TweetsJob : Job<string, string>
    {
        private int _calls;

        public int Calls => _calls;

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromMinutes(10));

        // usage.rst: usernames starting with "a" are cached for 20 minutes, and fetched synchronously on a miss.
        public override DateTimeOffset Expiry(string args, DateTimeOffset now) =>
            now + (args.StartsWith('a') ? TimeSpan.FromMinutes(20) : TimeSpan.FromMinutes(10));

        public override bool ShouldMissingItemBeFetchedSynchronously(string args) => args.StartsWith('a');

        public override DateTimeOffset Timeout(string args, DateTimeOffset now) => now + TimeSpan.FromSeconds(5);

        public override string Empty() => "(loading)";

        // usage.rst, post-processing: say whether the result came from the cache.
        public override string ProcessResult(string result, string call, CacheStatus status, bool? syncFetch) =>
            $"{result} [{status}, fetched now: {syncFetch?.ToString() ?? "n/a"}]";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"tweets of {args} #{Interlocked.Increment(ref _calls)}");
    }

    private static (Harness Harness, TweetsJob Job) Create()
    {
        var h = new Harness();
        var job = new TweetsJob();
        job.AttachTo(h.Runtime);
        return (h, job);
    }

    [Fact]
    public async Task ProcessResult_SeesTheStatusAndWhetherTheCallFetched()
    {
        var (h, job) = Create();
        using var _ = h;

        Assert.Equal("tweets of ann #1 [Miss, fetched now: True]", await job.GetAsync("ann"));
        Assert.Equal("tweets of ann #1 [Hit, fetched now: n/a]", await job.GetAsync("ann"));
        h.Time.Advance(TimeSpan.FromMinutes(21));
        var refreshed = h.NextOutcome();
        Assert.Equal("tweets of ann #1 [Stale, fetched now: False]", await job.GetAsync("ann"));
        await refreshed;
    }

    [Fact]
    public async Task ShouldMissingItemBeFetchedSynchronously_DecidesPerCall()
    {
        var (h, job) = Create();
        using var _ = h;
        var filled = h.NextOutcome();

        Assert.StartsWith("tweets of ann #1", await job.GetAsync("ann"));
        Assert.StartsWith("(loading) [Miss, fetched now: False]", await job.GetAsync("bob"));
        await filled;
        Assert.StartsWith("tweets of bob", await job.GetAsync("bob"));
    }

    [Fact]
    public async Task Expiry_SetsHowLongEachItemIsFresh()
    {
        var (h, job) = Create();
        using var _ = h;
        await job.SetAsync("ann", "a");
        await job.SetAsync("zoe", "z");

        h.Time.Advance(TimeSpan.FromMinutes(15));

        Assert.EndsWith("[Hit, fetched now: n/a]", await job.GetAsync("ann"));
        var refreshed = h.NextOutcome();
        Assert.EndsWith("[Stale, fetched now: False]", await job.GetAsync("zoe"));
        await refreshed;
    }

    [Fact]
    public async Task Timeout_SetsHowLongTheLeaseHolds()
    {
        using var stale = new Harness(runRefreshes: false);
        var parked = new TweetsJob();
        parked.AttachTo(stale.Runtime);
        await parked.SetAsync("zoe", "z");
        stale.Time.Advance(TimeSpan.FromMinutes(11));

        var first = stale.NextEnqueue();
        await parked.GetAsync("zoe"); // claims for 5 s; the refresh never runs (no worker)
        await first.WaitAsync(TimeSpan.FromSeconds(30));
        stale.Time.Advance(TimeSpan.FromSeconds(4));
        await parked.GetAsync("zoe"); // inside the lease: no second claim
        var second = stale.NextEnqueue();
        stale.Time.Advance(TimeSpan.FromSeconds(2));
        await parked.GetAsync("zoe"); // past it: claims again

        await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, stale.Enqueued);
    }

    public sealed class HookedJob : Job<string, string>
    {
        private int _calls;

        public int Calls => _calls;

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromMinutes(1), cacheTtl: TimeSpan.FromMinutes(10));

        // api.rst: a job decides per item whether stale data is too stale to serve.
        public override bool ShouldStaleItemBeFetchedSynchronously(TimeSpan delta, string args) => args == "strict";

        // api.rst: a job chooses its own keys (here case-insensitive ones).
        public override string Key(string args) => args.ToUpperInvariant();

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"{args} #{Interlocked.Increment(ref _calls)}");
    }

    private static (Harness Harness, HookedJob Job) Hooked()
    {
        var h = new Harness(runRefreshes: false);
        var job = new HookedJob();
        job.AttachTo(h.Runtime);
        return (h, job);
    }

    [Fact]
    public async Task ShouldStaleItemBeFetchedSynchronously_Overridden_DecidesEachRead()
    {
        var (h, job) = Hooked();
        using var _ = h;
        await job.GetAsync("strict");
        await job.GetAsync("lenient");
        h.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal("strict #3", await job.GetAsync("strict")); // fetched now
        Assert.Equal("lenient #2", await job.GetAsync("lenient")); // served stale
    }

    [Fact]
    public async Task Key_Overridden_IsUsedByReadsWritesAndRefreshes()
    {
        var (h, job) = Hooked();
        using var _ = h;

        await job.SetAsync("Ada", "set");
        Assert.Equal("set", await job.GetAsync("ADA"));
        await job.RefreshAsync("ada");
        Assert.Equal("ada #1", await job.GetAsync("Ada"));
        Assert.NotNull(await job.RawGetAsync("aDa"));
    }

    [Fact]
    public async Task CacheTtl_Overridden_PastItTheItemIsAMiss()
    {
        var (h, job) = Hooked();
        using var _ = h;
        Assert.Equal("k #1", await job.GetAsync("k"));

        h.Time.Advance(TimeSpan.FromMinutes(11)); // advanced.rst: past cache_ttl, a miss fetches synchronously

        Assert.Equal("k #2", await job.GetAsync("k"));
    }

    [Fact]
    public async Task Delete_TheNextReadFetches()
    {
        var (h, job) = Hooked();
        using var _ = h;
        Assert.Equal("k #1", await job.GetAsync("k"));

        await job.DeleteAsync("k"); // usage.rst: the next request triggers the refresh

        Assert.Equal("k #2", await job.GetAsync("k"));
    }
}
