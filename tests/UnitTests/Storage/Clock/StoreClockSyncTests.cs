using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.Storage.Clock;

/// <summary>
/// Issue 10, defect 7 in the runtime: its one clock is the store's when the store keeps one,
/// measured when the runtime is built, every interval on the runtime's TimeProvider, and on reconnect.
/// </summary>
public class StoreClockSyncTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Runtime_OverAStoreWithAClock_ReadsTheStoresTime()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.FromSeconds(20));
        using var runtime = Runtime(time, store);

        Assert.Equal((T0 + TimeSpan.FromSeconds(20)).ToUnixTimeMilliseconds(), runtime.Clock.NowMs());
        Assert.Equal(T0.ToUnixTimeMilliseconds(), runtime.Clock.LocalNowMs());
        Assert.Equal(StoreClockLimits.Samples, store.Reads);
    }

    [Fact]
    public void Runtime_OverAMemoryStore_ReadsItsOwnTimeProvider_OnTheClockItSharesWithTheStore()
    {
        var time = new FakeTimeProvider(T0);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, RunRefreshWorker = false });

        Assert.Null(runtime.StoreClock);
        Assert.Equal(T0.ToUnixTimeMilliseconds(), runtime.Clock.NowMs());
        // Issue 9: one clock per runtime; the memory store it makes does not build another.
        Assert.Same(runtime.Clock, ((MemoryStore)runtime.Store).Clock);
    }

    [Fact]
    public void Clock_AfterTheInterval_IsMeasuredAgain_AndFollowsAStoreClockThatMoved()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.FromSeconds(20)) { ClockSyncInterval = TimeSpan.FromSeconds(30) };
        using var runtime = Runtime(time, store);

        store.Offset = TimeSpan.FromSeconds(-3);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(20_000, runtime.Clock.OffsetMs);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(-3_000, runtime.Clock.OffsetMs);
        Assert.Equal(2 * StoreClockLimits.Samples, store.Reads);
    }

    [Fact]
    public void Clock_WhenTheStoreReconnects_IsMeasuredAgain()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.FromSeconds(20));
        using var runtime = Runtime(time, store);

        store.Offset = TimeSpan.FromSeconds(7);
        store.RaiseReconnected();

        Assert.Equal(7_000, runtime.Clock.OffsetMs);
    }

    [Fact]
    public void Runtime_Disposed_NoLongerListensOrMeasures()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.Zero);
        var runtime = Runtime(time, store);

        runtime.Dispose();
        time.Advance(TimeSpan.FromHours(2));

        Assert.False(store.HasListeners);
        Assert.Equal(StoreClockLimits.Samples, store.Reads);
    }

    [Fact]
    public void Runtime_StoreClockFails_IsBuiltOnTheLocalClock_AndLogsAWarning()
    {
        var time = new FakeTimeProvider(T0);
        var logs = new ListLoggerFactory();
        var store = new ClockedStore(time, TimeSpan.FromSeconds(20)) { Failure = new TimeoutException("no answer") };
        using var runtime = Runtime(time, store, logs);

        Assert.Equal(T0.ToUnixTimeMilliseconds(), runtime.Clock.NowMs());
        var warning = Assert.Single(logs.Entries, e => e.Category == "Cacheback.Clock" && e.Level == LogLevel.Warning);
        Assert.IsType<TimeoutException>(warning.Exception);

        // The next measurement that works puts the runtime on the store's clock.
        store.Failure = null;
        time.Advance(store.ClockSyncInterval);
        Assert.Equal(20_000, runtime.Clock.OffsetMs);
    }

    [Fact]
    public void Clock_AStoreThatFailsAfterSomeReadings_UsesTheReadingsItGot()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.FromSeconds(4)) { FailAfter = 2 };
        using var runtime = Runtime(time, store);

        Assert.Equal(4_000, runtime.Clock.OffsetMs);
    }

    [Theory]
    [InlineData(999)]
    [InlineData(3_600_001)]
    public void Runtime_StoreClockSyncIntervalOutOfBounds_IsRefusedNamingItAndTheBounds(long intervalMs)
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.Zero, checkInterval: false) { ClockSyncInterval = TimeSpan.FromMilliseconds(intervalMs) };

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Runtime(time, store));

        Assert.Contains("ClockedStore.ClockSyncInterval must be between 00:00:01 and 01:00:00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_NamedStoreWithAClock_BehindAnEncodingLayer_IsFollowed()
    {
        var time = new FakeTimeProvider(T0);
        var bytes = new ClockedBytes(new ClockedStore(time, TimeSpan.FromSeconds(-9)));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = time,
            RunRefreshWorker = false,
            Stores = new Dictionary<string, ICacheStore> { ["shared"] = new EncodedStore(bytes) },
        });

        Assert.Equal(-9_000, runtime.Clock.OffsetMs);
    }

    [Fact]
    public void Runtime_DefaultStoresClock_WinsOverANamedOnes()
    {
        var time = new FakeTimeProvider(T0);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = time,
            RunRefreshWorker = false,
            Store = new ClockedStore(time, TimeSpan.FromSeconds(1)),
            Stores = new Dictionary<string, ICacheStore> { ["a"] = new ClockedStore(time, TimeSpan.FromSeconds(2)) },
        });

        Assert.Equal(1_000, runtime.Clock.OffsetMs);
    }

    [Fact]
    public async Task Get_OnAStoreWhoseClockIsAhead_StampsFreshnessOnTheStoresClock()
    {
        var time = new FakeTimeProvider(T0);
        var store = new ClockedStore(time, TimeSpan.FromMinutes(5));
        using var runtime = Runtime(time, store);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy.Create(lifetime: TimeSpan.FromSeconds(10)), runtime: runtime, name: "stamped");

        await cached.GetAsync("k");

        var envelope = await cached.RawGetAsync("k");
        Assert.NotNull(envelope);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5), envelope.FetchedAt);
        Assert.Equal(T0 + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(10), envelope.FreshUntil);
    }

    private static CachebackRuntime Runtime(TimeProvider time, ICacheStore store, ILoggerFactory? logs = null) =>
        new(new CachebackRuntimeOptions { TimeProvider = time, Store = store, RunRefreshWorker = false, LoggerFactory = logs });

    /// <summary>A memory store with a clock of its own, <see cref="Offset"/> from the test's, answering at once.</summary>
    private sealed class ClockedStore(TimeProvider time, TimeSpan offset, bool checkInterval = true) : ICacheStore, IStoreClock
    {
        private readonly MemoryStore _inner = new(time);
        private TimeSpan _interval = TimeSpan.FromSeconds(30);
        private int _reads;

        public TimeSpan Offset { get; set; } = offset;

        public Exception? Failure { get; set; }

        public int FailAfter { get; set; } = int.MaxValue;

        public int Reads => Volatile.Read(ref _reads);

        public bool HasListeners => Reconnected is not null;

        public TimeSpan ClockSyncInterval
        {
            get => _interval;
            set => _interval = checkInterval ? StoreClockLimits.Check(value, nameof(ClockSyncInterval)) : value;
        }

        public event EventHandler? Reconnected;

        public void RaiseReconnected() => Reconnected?.Invoke(this, EventArgs.Empty);

        public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default)
        {
            var read = Interlocked.Increment(ref _reads);
            if (Failure is { } failure)
                return ValueTask.FromException<DateTimeOffset>(failure);
            if (read > FailAfter)
                return ValueTask.FromException<DateTimeOffset>(new InvalidOperationException("gone"));
            return new(time.GetUtcNow() + Offset);
        }

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => _inner.Partition(spec);
    }

    /// <summary>Bytes in memory whose clock is another store's.</summary>
    private sealed class ClockedBytes(IStoreClock clock) : IBinaryStore, IStoreClock
    {
        private readonly MemoryBinaryStore _inner = new();

        public TimeSpan ClockSyncInterval => clock.ClockSyncInterval;

        public event EventHandler? Reconnected
        {
            add => clock.Reconnected += value;
            remove => clock.Reconnected -= value;
        }

        public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) => clock.GetTimeAsync(cancellationToken);

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => _inner.GetAsync(key, cancellationToken);

        public ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default) => _inner.SetAsync(key, value, ttl, cancellationToken);

        public ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            _inner.SetIfVersionAsync(key, expectedVersion, value, ttl, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => _inner.DeleteAsync(key, cancellationToken);
    }
}
