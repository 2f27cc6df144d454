namespace Cacheback.Tests.Jobs;

/// <summary>
/// One definition behind every way to make a job (issue 9, point 5): what a <see cref="JobDefinition{TArgs, TResult}"/>
/// carries reaches the cache, its hooks are plain functions, and a job whose refreshes leave the
/// process needs a name of its own.
/// </summary>
public class JobDefinitionTests
{
    [Fact]
    public void Wrap_UnnamedLambda_OnASharedQueue_ThrowsNamingTheJobAndTheQueue()
    {
        using var h = new Harness(queue: new SharedQueue());

        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap<string, string>((key, _) => Task.FromResult(key), runtime: h.Runtime));

        Assert.Contains("Job 'Cacheback.Tests.Jobs.JobDefinitionTests", e.Message, StringComparison.Ordinal);
        Assert.Contains("queue 'default'", e.Message, StringComparison.Ordinal);
        Assert.Contains("stable name", e.Message, StringComparison.Ordinal);
        Assert.Empty(h.Runtime.Registry.Names);
    }

    [Fact]
    public void Wrap_UnnamedDefinition_OnANamedSharedQueue_Throws_AndOnTheInProcessOneDoesNot()
    {
        using var h = new Harness(queues: new Dictionary<string, IRefreshQueue> { ["shared"] = new SharedQueue() });
        Func<string, Task<string>> fetch = Task.FromResult;

        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap(new JobDefinition<string, string>(fetch) { QueueName = "shared" }, h.Runtime));
        using var local = Cache.Wrap(new JobDefinition<string, string>(fetch), h.Runtime);

        Assert.Contains("queue 'shared'", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("System.Threading.Tasks.Task.FromResult", local.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Decorator_UnnamedOnASharedQueue_Throws()
    {
        using var h = new Harness(queue: new SharedQueue());
        Func<string, Task<string>> fetch = key => Task.FromResult(key);

        Assert.Throws<ArgumentException>(() => fetch.Cached(runtime: h.Runtime));
    }

    [Fact]
    public async Task Wrap_NamedOnASharedQueue_RegistersUnderTheName()
    {
        using var h = new Harness(queue: new SharedQueue(), runRefreshes: false);

        using var cached = Cache.Wrap(new JobDefinition<string, string>((key, _) => Task.FromResult("v:" + key)) { Name = "greetings" }, h.Runtime);

        Assert.Equal("v:a", await cached.GetAsync("a"));
        Assert.True(h.Runtime.Registry.Contains("greetings"));
    }

    [Fact]
    public async Task HookFunctions_MissHookSaysNo_ReturnsEmptyAndEnqueues()
    {
        using var h = new Harness(runRefreshes: false);
        var fetches = 0;
        using var cached = Cache.Wrap(
            new JobDefinition<string, string>(key => Task.FromResult($"v{++fetches}"))
            {
                Name = "miss-hook",
                ShouldFetchOnMiss = key => key != "later",
                Empty = () => "nothing yet",
            },
            h.Runtime);

        var enqueued = h.NextEnqueue();

        Assert.Equal("nothing yet", await cached.GetAsync("later"));
        Assert.Equal("v1", await cached.GetAsync("now"));
        Assert.Equal(1, fetches);
        Assert.Equal("later", (await enqueued.WaitAsync(TimeSpan.FromSeconds(10))).Key);
        Assert.Equal(1, h.Enqueued);
    }

    [Fact]
    public async Task HookFunctions_ExpiryAndTimeout_SetTheStoredTimes()
    {
        using var h = new Harness(runRefreshes: false);
        using var cached = Cache.Wrap(
            new JobDefinition<string, string>(key => Task.FromResult(key))
            {
                Name = "expiry-hook",
                Expiry = (_, now) => now.AddMinutes(3),
                Timeout = (_, now) => now.AddSeconds(7),
            },
            h.Runtime);

        await cached.GetAsync("a");
        var fresh = await cached.RawGetAsync("a");
        await cached.InvalidateAsync("a");
        var leased = await cached.RawGetAsync("a");

        Assert.Equal(Harness.Start.AddMinutes(3), fresh!.FreshUntil);
        Assert.Equal(Harness.Start.AddSeconds(7), leased!.LeaseUntil);
    }

    [Fact]
    public async Task HookFunctions_StaleHook_FetchesNowWhenItSaysSo()
    {
        using var h = new Harness(runRefreshes: false);
        var fetches = 0;
        using var cached = Cache.Wrap(
            new JobDefinition<string, string>(key => Task.FromResult($"{key}{++fetches}"))
            {
                Name = "stale-hook",
                Policy = Policy.Create(lifetime: TimeSpan.FromMinutes(1)),
                ShouldFetchStale = (key, delta) => key == "strict" && delta > TimeSpan.Zero,
            },
            h.Runtime);
        await cached.GetAsync("strict");
        await cached.GetAsync("lax");

        h.Time.Advance(TimeSpan.FromMinutes(2));
        var enqueued = h.NextEnqueue();

        Assert.Equal("strict3", await cached.GetAsync("strict"));
        Assert.Equal("lax2", await cached.GetAsync("lax"));
        Assert.Equal("lax", (await enqueued.WaitAsync(TimeSpan.FromSeconds(10))).Key);
        Assert.Equal(1, h.Enqueued);
    }

    [Fact]
    public async Task ProcessResult_SeesHowEachReadWasServed()
    {
        using var h = new Harness(runRefreshes: false);
        var seen = new List<(CacheStatus, bool?)>();
        using var cached = Cache.Wrap(
            new JobDefinition<string, string>(key => Task.FromResult(key))
            {
                Name = "processed",
                Policy = Policy.Create(lifetime: TimeSpan.FromMinutes(1)),
                ProcessResult = (value, args, status, syncFetch) =>
                {
                    seen.Add((status, syncFetch));
                    return $"{value}/{args}/{status}";
                },
            },
            h.Runtime);

        Assert.Equal("a/a/Miss", await cached.GetAsync("a"));
        Assert.Equal("a/a/Hit", await cached.GetAsync("a"));
        h.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("a/a/Stale", await cached.GetAsync("a"));

        Assert.Equal([(CacheStatus.Miss, true), (CacheStatus.Hit, null), (CacheStatus.Stale, false)], seen);
    }

    [Fact]
    public void JobClass_ToDefinition_CarriesOnlyTheHooksItOverrides()
    {
        var plain = new PlainJob().ToDefinition();
        var hooked = new HookedJob().ToDefinition();

        Assert.Equal("plain", plain.Name);
        Assert.Equal(TimeSpan.FromSeconds(42), plain.Policy!.Lifetime);
        Assert.Null(plain.Key);
        Assert.Null(plain.ShouldFetchOnMiss);
        Assert.Null(plain.ShouldFetchStale);
        Assert.Null(plain.Expiry);
        Assert.Null(plain.Timeout);
        Assert.Null(plain.ProcessResult);
        Assert.Null(plain.Tags);
        Assert.NotNull(hooked.Key);
        Assert.NotNull(hooked.ShouldFetchOnMiss);
        Assert.NotNull(hooked.ProcessResult);
        Assert.Null(hooked.Expiry);
        Assert.False(hooked.ShouldFetchOnMiss!("x"));
        Assert.Equal("k:x", hooked.Key!("x"));
    }

    /// <summary>A queue other processes may read, as a Redis queue is (in-process underneath, for the test).</summary>
    private sealed class SharedQueue : IRefreshQueue
    {
        private readonly InProcessQueue _inner = new();

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) => _inner.EnqueueAsync(request, cancellationToken);

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => _inner.TakeAsync(cancellationToken);

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => _inner.CompleteAsync(outcome, cancellationToken);
    }

    private sealed class PlainJob : Job<string, string>
    {
        public override string Name => "plain";

        public override Policy Policy => Policy.Create(lifetime: TimeSpan.FromSeconds(42));

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }

    private sealed class HookedJob : Job<string, string>
    {
        public override string Name => "hooked";

        public override string Key(string args) => "k:" + args;

        public override bool ShouldMissingItemBeFetchedSynchronously(string args) => false;

        public override string ProcessResult(string result, string call, CacheStatus status, bool? syncFetch) => result + "!";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }
}
