namespace Cacheback.Tests.Storage;

/// <summary>
/// Issue 10, defect 8: the embedded store grew without bound, and entries past their TTL left only
/// when their own job wrote again. Bounded by entries now (CLOCK eviction), swept on a timer.
/// </summary>
public class MemoryStoreBoundTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static MemoryStore NewStore(FakeTimeProvider time, int maxEntries = 100_000, int sweepBatch = 50_000) =>
        new(new MemoryStoreOptions { MaxEntries = maxEntries, SweepInterval = TimeSpan.FromSeconds(1), SweepBatchSize = sweepBatch }, time);

    private static IEnvelopeStore<string> Partition(ICacheStore store, string job) =>
        store.Partition(new PartitionSpec<string>(job, JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

    private static Envelope<string> Value(string value) => Envelope.Fresh(1, value, T0, T0.AddMinutes(10));

    private static async Task<int> Readable(IEnvelopeStore<string> partition, IEnumerable<string> keys)
    {
        var found = 0;
        foreach (var key in keys)
            found += await partition.ReadAsync(key) is null ? 0 : 1;
        return found;
    }

    /// <summary>1 for a read that completed at once with an envelope (outside the test method: the analyzer reads a ValueTask's Result as blocking).</summary>
    private static int HitAtOnce(IEnvelopeStore<string> partition, string key)
    {
        var read = partition.ReadAsync(key);
        return read.IsCompletedSuccessfully && read.Result is not null ? 1 : 0;
    }

    private static IEnumerable<string> Keys(string prefix, int count) => Enumerable.Range(0, count).Select(i => prefix + i);

    [Fact]
    public async Task Write_PastMaxEntries_EvictsDownToTheBound()
    {
        var store = NewStore(new FakeTimeProvider(T0), maxEntries: 100);
        var users = Partition(store, "users");
        var orders = Partition(store, "orders");

        foreach (var key in Keys("u", 150))
            await users.WriteAsync(key, Value(key), Day);
        foreach (var key in Keys("o", 100))
            await orders.WriteAsync(key, Value(key), Day);

        Assert.Equal(100, await Readable(users, Keys("u", 150)) + await Readable(orders, Keys("o", 100)));
        Assert.Equal(100, store.Count);
    }

    [Fact]
    public async Task Eviction_SparesEntriesReadSinceTheHandLastPassed()
    {
        var store = NewStore(new FakeTimeProvider(T0), maxEntries: 10);
        var users = Partition(store, "users");
        foreach (var key in Keys("old", 10))
            await users.WriteAsync(key, Value(key), Day);
        foreach (var key in Keys("old", 5))
            Assert.NotNull(await users.ReadAsync(key));

        foreach (var key in Keys("new", 5))
            await users.WriteAsync(key, Value(key), Day);

        // Five entries had to go; the five that were read get a second chance, the unread ones do not.
        Assert.Equal(5, await Readable(users, Keys("old", 5)));
        Assert.Equal(10, store.Count);
    }

    [Fact]
    public async Task Sweep_RemovesExpiredEntries_WithoutAnyWrite()
    {
        var time = new FakeTimeProvider(T0);
        var store = NewStore(time);
        var shortLived = Partition(store, "short");
        var longLived = Partition(store, "long");
        foreach (var key in Keys("s", 1_000))
            await shortLived.WriteAsync(key, Value(key), TimeSpan.FromSeconds(10));
        foreach (var key in Keys("l", 10))
            await longLived.WriteAsync(key, Value(key), Day);

        time.Advance(TimeSpan.FromSeconds(11)); // the sweep ticks each second; nothing is written from here on

        Assert.Equal(0, await Readable(shortLived, Keys("s", 1_000)));
        Assert.Equal(10, await Readable(longLived, Keys("l", 10)));
        Assert.Equal(10, store.Count);
    }

    [Fact]
    public async Task Sweep_LooksAtNoMoreThanItsBatchPerTick()
    {
        var time = new FakeTimeProvider(T0);
        var store = NewStore(time, sweepBatch: 100);
        var users = Partition(store, "users");
        foreach (var key in Keys("u", 1_000))
            await users.WriteAsync(key, Value(key), TimeSpan.FromMilliseconds(500));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(900, store.Count);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task SameEnvelope_WrittenUnderTwoKeys_KeepsEachKeysTtl()
    {
        var time = new FakeTimeProvider(T0);
        var store = NewStore(time);
        var users = Partition(store, "users");
        var envelope = Value("shared");

        await users.WriteAsync("brief", envelope, TimeSpan.FromSeconds(2));
        await users.WriteAsync("long", envelope, Day);
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Null(await users.ReadAsync("brief"));
        Assert.Equal(envelope, await users.ReadAsync("long"));
    }

    [Fact]
    public async Task Hit_AllocatesNothing()
    {
        var store = NewStore(new FakeTimeProvider(T0));
        var users = Partition(store, "users");
        await users.WriteAsync("k", Value("v"), Day);
        var found = 0;
        for (var i = 0; i < 100; i++)
            found += HitAtOnce(users, "k");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
            found += HitAtOnce(users, "k");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1_100, found);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ConcurrentWriters_StayWithinTheBoundPlusOneEntryPerWriter()
    {
        const int Writers = 4, PerWriter = 2_000, Max = 500;
        var store = NewStore(new FakeTimeProvider(T0), maxEntries: Max);
        var users = Partition(store, "users");
        using var start = new Barrier(Writers);
        var highest = new long[Writers];

        var tasks = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerWriter; i++)
            {
                users.WriteAsync($"w{w}:{i}", Value("v"), Day).AsTask().Wait();
                highest[w] = Math.Max(highest[w], store.Count);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(tasks);

        Assert.InRange(highest.Max(), Max, Max + Writers);
        Assert.Equal(Max, store.Count);
        var readable = 0;
        for (var w = 0; w < Writers; w++)
            readable += await Readable(users, Keys($"w{w}:", PerWriter));
        Assert.Equal(Max, readable);
    }

    [Theory]
    [InlineData(0, 1, 1, "MaxEntries must be from 1 to 1,000,000,000 (was 0)")]
    [InlineData(10, 0, 1, "SweepInterval must be from 00:00:00.0100000 to 1.00:00:00 (was 00:00:00)")]
    [InlineData(10, 1, 0, "SweepBatchSize must be from 1 to 10,000,000 (was 0)")]
    public void Options_OutOfBounds_AreRefusedNamingTheFieldAndTheLimit(int maxEntries, int sweepSeconds, int sweepBatch, string expected)
    {
        var options = new MemoryStoreOptions { MaxEntries = maxEntries, SweepInterval = TimeSpan.FromSeconds(sweepSeconds), SweepBatchSize = sweepBatch };

        var e = Assert.Throws<ArgumentException>(() => new MemoryStore(options));

        Assert.Contains("MemoryStoreOptions." + expected, e.Message);
    }

    [Fact]
    public void Runtime_BuildsItsDefaultStoreWithTheGivenBounds()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { MemoryStore = new MemoryStoreOptions { MaxEntries = 42 }, RunRefreshWorker = false });

        Assert.Equal(42, Assert.IsType<MemoryStore>(runtime.Store).MaxEntries);
    }
}
