using Cacheback.Tests.CSharp.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Tests.Tags;

/// <summary>
/// Issue 12, point 2 on Cacheback's own jobs: a tags function of the arguments, and
/// InvalidateByTagAsync / RemoveByTagAsync on the job and the runtime, checked on read (no scan).
/// </summary>
public class TaggedJobTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromMinutes(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    /// <summary>Users "u1", "u2" are tagged "users" and their own id; anything else is tagged "other".</summary>
    private static IEnumerable<string> TagsOf(string args) => args.StartsWith('u') ? ["users", args] : ["other"];

    private static CachedFetch<string, string> Tagged(Harness h, GatedFetch<string> fetch, string name = "tagged") =>
        Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: name, tags: TagsOf);

    [Fact]
    public async Task InvalidateByTag_TaggedEntriesAreStale_ServedWhileOneRefreshRuns_OthersStayFresh()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var cached = Tagged(h, fetch);
        await cached.SetAsync("u1", "old u1");
        await cached.SetAsync("x", "old x");

        await cached.InvalidateByTagAsync("users");
        var enqueued = h.NextEnqueue();

        Assert.Equal("old u1", await cached.GetAsync("u1"));
        Assert.Equal("old u1", await cached.GetAsync("u1"));
        Assert.Equal("old x", await cached.GetAsync("x"));
        var request = await enqueued.WaitAsync(Bound);
        Assert.Equal(("u1", 1), (request.Key, h.Enqueued));
        Assert.Equal(RefreshResult.Succeeded, await h.Runtime.Registry.DispatchAsync(request, CancellationToken.None).WaitAsync(Bound));
        Assert.Equal("new 1", await cached.GetAsync("u1"));
        Assert.Equal(1, h.Enqueued);
        Assert.Equal(1, fetch.Calls);
    }

    [Fact]
    public async Task RemoveByTag_TaggedEntriesAreMisses_TheNextReadFetches()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var cached = Tagged(h, fetch);
        await cached.SetAsync("u1", "old u1");
        await cached.SetAsync("u2", "old u2");

        await cached.RemoveByTagAsync("u1");

        Assert.Equal("new 1", await cached.GetAsync("u1"));
        Assert.Equal("old u2", await cached.GetAsync("u2"));
        Assert.Equal("new 1", await cached.GetAsync("u1"));
        Assert.Equal(0, h.Enqueued);
    }

    [Fact]
    public async Task RuntimeWildcard_ReachesEveryTaggedJobOnTheStore_NotUntaggedOnes()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var first = Tagged(h, fetch, "first");
        var second = Tagged(h, fetch, "second");
        var untagged = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "untagged");
        await first.SetAsync("x", "old");
        await second.SetAsync("u1", "old");
        await untagged.SetAsync("u1", "old");

        await h.Runtime.RemoveByTagAsync("*");

        Assert.Equal("new 1", await first.GetAsync("x"));
        Assert.Equal("new 2", await second.GetAsync("u1"));
        Assert.Equal("old", await untagged.GetAsync("u1"));
    }

    [Fact]
    public async Task FetchRunningDuringInvalidation_LandsStale_NeverFresh()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        var cached = Tagged(h, fetch);
        var read = cached.GetAsync("u1").AsTask();
        await fetch.Started.Task.WaitAsync(Bound);

        await cached.InvalidateByTagAsync("users");
        fetch.Open();

        // The caller gets what its fetch returned; stored, it is already stale: the next read serves it and refreshes.
        Assert.Equal("new 1", await read.WaitAsync(Bound));
        var enqueued = h.NextEnqueue();
        Assert.Equal("new 1", await cached.GetAsync("u1"));
        Assert.Equal("u1", (await enqueued.WaitAsync(Bound)).Key);
        Assert.Equal(1, h.Enqueued);
    }

    [Fact]
    public async Task FetchRunningDuringRemoval_LandsRemoved_TheNextReadFetchesAgain()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        var cached = Tagged(h, fetch);
        var read = cached.GetAsync("u1").AsTask();
        await fetch.Started.Task.WaitAsync(Bound);

        await cached.RemoveByTagAsync("u1");
        fetch.Open();

        Assert.Equal("new 1", await read.WaitAsync(Bound));
        Assert.Equal("new 2", await cached.GetAsync("u1"));
        Assert.Equal("new 2", await cached.GetAsync("u1"));
        Assert.Equal(2, fetch.Calls);
    }

    [Fact]
    public async Task QueuedRefreshRunningDuringInvalidation_LandsStale_AndAnotherRefreshFollows()
    {
        using var h = new Harness(runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        var cached = Tagged(h, fetch);
        await cached.SetAsync("u1", "old");
        await cached.InvalidateByTagAsync("users");
        var first = h.NextEnqueue();
        Assert.Equal("old", await cached.GetAsync("u1"));
        var refresh = h.Runtime.Registry.DispatchAsync(await first.WaitAsync(Bound), CancellationToken.None);
        await fetch.Started.Task.WaitAsync(Bound);

        await cached.InvalidateByTagAsync("u1");
        fetch.Open();

        Assert.Equal(RefreshResult.Succeeded, await refresh.WaitAsync(Bound));
        var second = h.NextEnqueue();
        Assert.Equal("new 1", await cached.GetAsync("u1"));
        Assert.Equal("u1", (await second.WaitAsync(Bound)).Key);
        Assert.Equal(2, h.Enqueued);
    }

    [Fact]
    public async Task UntaggedJob_WritesFormat1Envelopes_TaggedJob_Format2()
    {
        using var h = new Harness(store: new EncodedStore(new MemoryBinaryStore()), runRefreshes: false);
        var fetch = new GatedFetch<string>(call => $"new {call}");
        fetch.Open();
        var tagged = Tagged(h, fetch);
        var untagged = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "untagged");
        await tagged.SetAsync("u1", "t");
        await untagged.SetAsync("u1", "u");

        Assert.Null((await untagged.RawGetAsync("u1"))!.Tags);
        Assert.Equal(TagStamp.Zero, (await tagged.RawGetAsync("u1"))!.Tags);
        await tagged.InvalidateByTagAsync("users");
        var enqueued = h.NextEnqueue();
        Assert.Equal("t", await tagged.GetAsync("u1"));
        Assert.Equal("u1", (await enqueued.WaitAsync(Bound)).Key);
    }

    [Fact]
    public async Task BlankTag_IsRejected_NamingIt()
    {
        using var h = new Harness(runRefreshes: false);
        var cached = Tagged(h, new GatedFetch<string>(_ => ""));

        await Assert.ThrowsAsync<ArgumentException>(async () => await cached.InvalidateByTagAsync(" "));
        await Assert.ThrowsAsync<ArgumentException>(async () => await h.Runtime.RemoveByTagAsync(""));
    }
}

/// <summary>The same on a job class (a <c>Tags(args)</c> override) and on <c>AddCachedFetch</c>.</summary>
public class TaggedJobClassTests
{
    public sealed class ProductJob : Job<string, string>
    {
        private int _calls;

        public int Calls => _calls;

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromMinutes(10));

        protected override IEnumerable<string> Tags(string args) => ["products", "product:" + args];

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"{args} #{Interlocked.Increment(ref _calls)}");
    }

    public sealed class PlainJob : Job<string, string>
    {
        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }

    [Fact]
    public async Task JobClass_TagsOverride_RemoveByTagMakesItsEntriesMisses()
    {
        using var h = new Harness(runRefreshes: false);
        var job = new ProductJob();
        job.AttachTo(h.Runtime);
        Assert.Equal("a #1", await job.GetAsync("a"));
        Assert.Equal("b #2", await job.GetAsync("b"));

        await job.RemoveByTagAsync("product:a");

        Assert.Equal("a #3", await job.GetAsync("a"));
        Assert.Equal("b #2", await job.GetAsync("b"));
        await h.Runtime.RemoveByTagAsync("products");
        Assert.Equal("b #4", await job.GetAsync("b"));
    }

    [Fact]
    public void JobClass_WithoutTagsOverride_IsUntagged_WithIt_Tagged()
    {
        using var h = new Harness(runRefreshes: false);
        var plain = new PlainJob();
        plain.AttachTo(h.Runtime);
        var product = new ProductJob();
        product.AttachTo(h.Runtime);

        Assert.False(plain.Cached.IsTagged);
        Assert.True(product.Cached.IsTagged);
    }

    [Fact]
    public async Task AddCachedFetch_Tags_InvalidateByTagReachesIt()
    {
        var calls = 0;
        using var host = TestHost.Build([], s => s.AddCachedFetch<string, string>(
            "tagged-greetings", (_, name, _) => Task.FromResult($"hello {name} #{Interlocked.Increment(ref calls)}"), job => job with { Tags = name => ["greetings"] }));
        await host.StartAsync();
        var greetings = host.Services.GetRequiredKeyedService<CachedFetch<string, string>>("tagged-greetings");
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        Assert.Equal("hello ada #1", await greetings.GetAsync("ada"));

        await runtime.RemoveByTagAsync("greetings");

        Assert.Equal("hello ada #2", await greetings.GetAsync("ada"));
        await host.StopAsync();
    }
}
