using System.Collections.Concurrent;

namespace Cacheback.Tests.Regression;

/// <summary>One test per problem the first review of the core found; each failed before its fix.</summary>
public class ReviewRegressionTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] EnvelopeOfAnotherType() =>
        EnvelopeCodec.Encode(Envelope.Fresh(42, "not an int", T0, T0.AddMinutes(10)), JsonPayloadSerializer<string>.Default);

    [Fact]
    public async Task UnreadablePayload_IsReplacedByTheFirstFetch()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        await bytes.SetAsync("numbers:k", EnvelopeOfAnotherType(), TimeSpan.FromDays(30)); // written by a deploy with another T
        var calls = 0;
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(++calls), Policy, runtime: h.Runtime, name: "numbers");

        for (var i = 0; i < 5; i++)
            Assert.Equal(1, await cached.GetAsync("k"));

        Assert.Equal(1, calls);
        Assert.Equal(1, h.Count(CacheEventKind.Unreadable));
    }

    [Fact]
    public async Task UnreadablePayload_WithoutFetchOnMiss_IsFilledInTheBackground()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        await bytes.SetAsync("numbers:k", EnvelopeOfAnotherType(), TimeSpan.FromDays(30));
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(7), Policy.With(fetchOnMiss: false), runtime: h.Runtime, name: "numbers", empty: -1);
        var filled = h.NextOutcome();

        Assert.Equal(-1, await cached.GetAsync("k"));

        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal(7, await cached.GetAsync("k"));
    }

    // EnqueueRefresh over a newer set: Runtime/ExecutorOperationsTests.Refresh_NeverOverwritesASetThatHappenedWhileItRan("enqueue refresh").

    [Fact]
    public async Task Refresh_NeverOverwritesASetMadeWhileItFetched()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "from-refresh");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "r2b");
        await cached.SetAsync("k", "old");
        var refreshing = cached.RefreshAsync("k");
        await fetch.Started.Task;

        await cached.SetAsync("k", "newer");
        fetch.Open();

        Assert.Equal("from-refresh", await refreshing); // the caller gets what it fetched...
        Assert.Equal("newer", await cached.GetAsync("k")); // ...but the newer write stays
    }

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
    public async Task NullValue_IsServedAlikeFresh_AndStale()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string?>((_, _) => Task.FromResult<string?>(null), Policy, runtime: h.Runtime, name: "r6", empty: "EMPTY");

        Assert.Null(await cached.GetAsync("k"));
        Assert.Null(await cached.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var refreshed = h.NextOutcome();
        Assert.Null(await cached.GetAsync("k"));
        await refreshed;
    }

    [Fact]
    public void ExplicitName_AlreadyTaken_IsAnError()
    {
        using var h = new Harness();
        Cache.Wrap<string, string>((_, _) => Task.FromResult("a"), Policy, runtime: h.Runtime, name: "orders");

        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap<string, string>((_, _) => Task.FromResult("b"), Policy, runtime: h.Runtime, name: "orders"));
        Assert.Contains("'orders' is already registered", e.Message);
    }

    [Fact]
    public void DisposedCachedFetch_LeavesTheRegistry()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("a"), Policy, runtime: h.Runtime, name: "short-lived");

        cached.Dispose();

        Assert.False(h.Runtime.Registry.Contains("short-lived"));
    }

    [Theory]
    [InlineData(-5L, 1L)] // version out of range
    [InlineData(1L << 53, 1L)] // version beyond what Lua compares exactly
    [InlineData(1L, long.MaxValue)] // fresh-until beyond DateTimeOffset
    public void Codec_FieldsOutOfRange_AreInvalidNotAnExceptionLater(long version, long freshUntilMs)
    {
        var json = JsonPayloadSerializer<string>.Default;
        var bytes = EnvelopeCodec.Encode(Envelope.FromMs(version, true, "x", 1, freshUntilMs, 0), json);

        var failed = Assert.IsType<DecodeResult<string>.Failed>(EnvelopeCodec.Decode(bytes, json));
        Assert.Equal(DecodeError.InvalidField, failed.Error);
    }
}

/// <summary>Found by the multi-process tests: a claim whose reply is lost must still start its refresh.</summary>
public class LostReplyRegressionTests
{
    [Fact]
    public async Task Claim_AppliedButItsReplyLost_StillEnqueuesTheRefresh()
    {
        using var h = new Harness(store: new LostClaimReplies(new MemoryStore()), runRefreshes: false);
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), Policy.Create(lifetime: TimeSpan.FromSeconds(10)), runtime: h.Runtime, name: "lost-reply");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var enqueued = h.NextEnqueue();

        Assert.Equal("old", await cached.GetAsync("k"));

        var request = await enqueued.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("k", request.Key);
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "claim");
    }

    /// <summary>Applies a compare-and-set of a leased envelope, then loses the reply (a timeout).</summary>
    private sealed class LostClaimReplies(ICacheStore inner) : ICacheStore
    {
        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Lossy<T>(inner.Partition(spec));

        private sealed class Lossy<T>(IEnvelopeStore<T> store) : IEnvelopeStore<T>
        {
            public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) => store.ReadAsync(key, cancellationToken);

            public async ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
            {
                var stored = await store.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);
                return next.LeaseUntil is not null ? throw new TimeoutException("reply lost") : stored;
            }

            public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) => store.WriteAsync(key, envelope, ttl, cancellationToken);

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => store.DeleteAsync(key, cancellationToken);
        }
    }
}
