namespace Cacheback.Tests.Execution;

/// <summary>
/// A store that splits its read into an I/O and an open (<see cref="ISplitRead{T}"/>, as Redis does):
/// the executor's reads go through the split, and a failed or cancelled I/O is treated as a failed
/// <see cref="IEnvelopeStore{T}.ReadAsync"/> is (the value is fetched, never an exception from the store).
/// </summary>
public class SplitReadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_HitOnASplitStore_AwaitsTheIoAndOpensIt_NotReadAsync()
    {
        var store = new SplitStore();
        using var h = new Harness(store: store);
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "split");
        await cached.SetAsync("k", "stored");
        store.Made.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (started, readAsync) = (store.Made.Started, store.Made.ReadAsyncCalls);

        var read = cached.GetAsync("k");
        Assert.False(read.IsCompleted);
        store.Made.Gate.SetResult();

        Assert.Equal("stored", await read.AsTask().WaitAsync(Bound));
        Assert.Equal(0, calls);
        Assert.Equal((started + 1, readAsync), (store.Made.Started, store.Made.ReadAsyncCalls));
        Assert.Equal(store.Made.Started, store.Made.Opened);
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task GetRead_HitOnASplitStore_GoesThroughTheSplit()
    {
        var store = new SplitStore();
        using var h = new Harness(store: store);
        var job = new Upper();
        job.AttachTo(h.Runtime);
        await job.SetAsync("k", "stored");
        var (started, readAsync) = (store.Made.Started, store.Made.ReadAsyncCalls);

        Assert.Equal("stored", await job.GetAsync("k").AsTask().WaitAsync(Bound));
        Assert.Equal((started + 1, readAsync), (store.Made.Started, store.Made.ReadAsyncCalls));
        Assert.Equal(store.Made.Started, store.Made.Opened);
    }

    [Fact]
    public async Task Get_IoFailsAfterStarting_FetchesAndReportsTheStoreFailure()
    {
        var store = new SplitStore();
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "split");
        var gate = store.Made.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Made.Fail = new IOException("GET timed out");

        var read = cached.GetAsync("k");
        gate.SetResult();

        Assert.Equal("fetched", await read.AsTask().WaitAsync(Bound));
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
        Assert.Equal(0, store.Made.Opened);
    }

    [Fact]
    public async Task Get_StartThrows_FetchesAndReportsTheStoreFailure()
    {
        var store = new SplitStore();
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "split");
        store.Made.ThrowOnStart = new InvalidOperationException("no connection");

        Assert.Equal("fetched", await cached.GetAsync("k").AsTask().WaitAsync(Bound));
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
    }

    [Fact]
    public async Task Get_CallerCancelledBeforeTheRead_ThrowsOperationCanceled()
    {
        var store = new SplitStore();
        using var h = new Harness(store: store);
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "split");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cached.GetAsync("k", cancelled.Token).AsTask());
        Assert.Equal(0, calls);
        Assert.DoesNotContain(h.Events, e => e.Kind == CacheEventKind.StoreFailed);
    }

    private sealed class Upper : Job<string, string>
    {
        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args.ToUpperInvariant());
    }

    /// <summary>A memory store whose string partition reads through a split I/O the test can hold, fail or refuse to start.</summary>
    private sealed class SplitStore : ICacheStore
    {
        private readonly MemoryStore _inner = new(new FakeTimeProvider(Harness.Start));

        public SplitPartition Made { get; private set; } = null!;

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
        {
            if (typeof(T) != typeof(string))
                throw new NotSupportedException(typeof(T).Name);
            Made = new SplitPartition(_inner.Partition((PartitionSpec<string>)(object)spec));
            return (IEnvelopeStore<T>)(object)Made;
        }
    }

    private sealed class SplitPartition(IEnvelopeStore<string> inner) : IEnvelopeStore<string>, ISplitRead<string>
    {
        private int _started, _opened, _readAsync;

        public TaskCompletionSource? Gate { get; set; }
        public Exception? Fail { get; set; }
        public Exception? ThrowOnStart { get; set; }
        public int Started => Volatile.Read(ref _started);
        public int Opened => Volatile.Read(ref _opened);
        public int ReadAsyncCalls => Volatile.Read(ref _readAsync);

        public Task StartRead(string key, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ThrowOnStart is { } e)
                throw e;
            Interlocked.Increment(ref _started);
            return IoAsync(key);
        }

        private async Task<Envelope<string>?> IoAsync(string key)
        {
            if (Gate is { } gate)
                await gate.Task;
            if (Fail is { } e)
                throw e;
            return await inner.ReadAsync(key);
        }

        public Envelope<string>? OpenRead(Task started, string key)
        {
            var envelope = ((Task<Envelope<string>?>)started).GetAwaiter().GetResult();
            Interlocked.Increment(ref _opened);
            return envelope;
        }

        public ValueTask<Envelope<string>?> ReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _readAsync);
            return inner.ReadAsync(key, cancellationToken);
        }

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<string> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);

        public ValueTask WriteAsync(string key, Envelope<string> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(key, envelope, ttl, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(key, cancellationToken);
    }
}
