namespace Cacheback.Tests.Storage.Clock;

/// <summary>
/// Issue 9, point 3: one clock per runtime. A memory store built by its user and handed to a
/// runtime runs on the runtime's clock (its TTLs and its sweep); a store given another
/// <see cref="TimeProvider"/> than the runtime's is refused, the message naming both.
/// </summary>
public class StoreOnRuntimeClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryStoreOptions SweepEachSecond = new() { SweepInterval = TimeSpan.FromSeconds(1) };
    private static readonly PartitionSpec<string> Spec = new("job", JsonPayloadSerializer<string>.Default, (_, _, _) => { });

    private static CachebackRuntime Runtime(TimeProvider time, ICacheStore? store = null, Dictionary<string, ICacheStore>? stores = null) =>
        new(new CachebackRuntimeOptions { TimeProvider = time, Store = store, Stores = stores ?? [], RunRefreshWorker = false });

    [Fact]
    public async Task MemoryStore_BuiltWithoutATimeProvider_RunsOnTheRuntimesClock_ItsTtlsExpireOnTheRuntimesTime()
    {
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore(SweepEachSecond);
        using var runtime = Runtime(time, store);

        Assert.Same(runtime.Clock, store.Clock);
        await store.Partition(Spec).WriteAsync("k", Envelope.Fresh(1, "v", T0, T0.AddMinutes(1)), TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(6));
        // Swept on the runtime's (fake) time: on the system clock the entry would live 5 real seconds more.
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void MemoryStore_BuiltWithTheRuntimesTimeProvider_RunsOnTheRuntimesClock()
    {
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore(time);
        using var runtime = Runtime(time, store);

        Assert.Same(runtime.Clock, store.Clock);
    }

    [Fact]
    public void NamedMemoryStore_RunsOnTheRuntimesClock()
    {
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore();
        using var runtime = Runtime(time, stores: new() { ["secondary"] = store });

        Assert.Same(runtime.Clock, store.Clock);
    }

    [Fact]
    public async Task MemoryBinaryStore_InAnEncodedStore_RunsOnTheRuntimesClock()
    {
        var time = new FakeTimeProvider(T0);
        var bytes = new MemoryBinaryStore();
        using var runtime = Runtime(time, new EncodedStore(bytes));

        await bytes.SetAsync("k", [1, 2, 3], TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(await bytes.GetAsync("k"));
    }

    [Fact]
    public void MemoryStore_GivenAnotherTimeProvider_IsRefused_NamingBoth()
    {
        var store = new MemoryStore(new FakeTimeProvider(T0));

        var e = Assert.Throws<ArgumentException>(() => Runtime(new FakeTimeProvider(T0), store));

        Assert.Equal("options.Store", e.ParamName);
        Assert.Contains("The MemoryStore named 'default' reads time from a FakeTimeProvider (the TimeProvider it was built with), but the runtime from another FakeTimeProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedMemoryBinaryStore_GivenTheSystemClock_IsRefusedByARuntimeOnAFakeOne()
    {
        var stores = new Dictionary<string, ICacheStore> { ["bytes"] = new EncodedStore(new MemoryBinaryStore(TimeProvider.System)) };

        var e = Assert.Throws<ArgumentException>(() => Runtime(new FakeTimeProvider(T0), stores: stores));

        Assert.Equal("options.Stores", e.ParamName);
        Assert.Contains("The EncodedStore named 'bytes' reads time from the system clock (the TimeProvider it was built with), but the runtime from a FakeTimeProvider", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryStore_HoldingEntriesStampedOnTheSystemClock_IsRefusedByARuntimeOnAnotherTime()
    {
        var store = new MemoryStore();
        await store.Partition(Spec).WriteAsync("k", Envelope.Fresh(1, "v", T0, T0.AddMinutes(1)), TimeSpan.FromMinutes(5));

        var e = Assert.Throws<ArgumentException>(() => Runtime(new FakeTimeProvider(T0), store));

        Assert.Contains("reads time from the system clock (the default system clock, on which its 1 entries were stamped)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryStore_SharedByTwoRuntimes_StaysOnTheFirstsClock_AndAThirdOnAnotherTimeIsRefused()
    {
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore();
        using var first = Runtime(time, store);
        using var second = Runtime(time, store);

        Assert.Same(first.Clock, store.Clock);
        var e = Assert.Throws<ArgumentException>(() => Runtime(new FakeTimeProvider(T0), store));
        Assert.Contains("(another runtime's clock)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedRuntime_MovesNoStore()
    {
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore();
        var refused = new MemoryStore(new FakeTimeProvider(T0));

        Assert.Throws<ArgumentException>(() => Runtime(time, store, new() { ["refused"] = refused }));

        using var runtime = Runtime(new FakeTimeProvider(T0), store);
        Assert.Same(runtime.Clock, store.Clock);
    }
}
