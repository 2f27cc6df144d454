using System.Text;

namespace Cacheback.Tests.Execution;

public class FaultTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_UnreadableBytesInTheStore_AreAMissAndAnEvent()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes, "app:"));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "users");
        await bytes.SetAsync("app:users:k", Encoding.UTF8.GetBytes("{\"not\":\"an envelope\"}"), TimeSpan.FromHours(1));

        Assert.Equal("fetched", await cached.GetAsync("k"));

        var unreadable = Assert.Single(h.Events, e => e.Kind == CacheEventKind.Unreadable);
        Assert.Contains("NotAnEnvelope", unreadable.Detail);
        Assert.Contains(h.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("not a readable envelope"));
        // The fetched value replaced the garbage: the next read is a hit.
        Assert.Equal("fetched", await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Get_ThroughTheEncodedStore_RoundTripsValues()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        var cached = Cache.Wrap<int, int[]>((n, _) => Task.FromResult(Enumerable.Range(0, n).ToArray()), Policy, runtime: h.Runtime, name: "ranges");

        await cached.GetAsync(3);

        Assert.Equal(new[] { 0, 1, 2 }, await cached.GetAsync(3));
        Assert.Equal(["ranges:3"], bytes.Keys);
    }

    [Fact]
    public async Task Get_StoreDown_DegradesToFetchingAndLogs()
    {
        using var h = new Harness(store: new BrokenStore());
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{++calls}"), Policy, runtime: h.Runtime, name: "down");

        Assert.Equal("v1", await cached.GetAsync("k"));
        Assert.Equal("v2", await cached.GetAsync("k"));

        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("the store failed to read"));
    }

    [Fact]
    public async Task Get_QueueDown_ServesStaleAndRefreshesHere()
    {
        using var h = new Harness(queue: new BrokenQueue());
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("new"), Policy, runtime: h.Runtime, name: "queue-down");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var refreshedHere = new TaskCompletionSource<CacheEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = h.Runtime.Events.Subscribe(e =>
        {
            if (e.Kind == CacheEventKind.RefreshCompleted)
                refreshedHere.TrySetResult(e);
        });

        Assert.Equal("old", await cached.GetAsync("k"));

        Assert.Equal(RefreshResult.Succeeded, (await refreshedHere.Task).Result);
        Assert.Equal(1, h.Count(CacheEventKind.QueueFailed));
        Assert.Equal("new", await cached.GetAsync("k"));
        Assert.Contains(h.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("refreshing here instead"));
    }

    [Fact]
    public async Task EnqueueRefresh_QueueDownAndFetchFailing_LogsAndDoesNotThrow()
    {
        using var h = new Harness(queue: new BrokenQueue());
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromException<string>(new InvalidOperationException("no")), Policy, runtime: h.Runtime, name: "all-down");

        await cached.EnqueueRefreshAsync("k");

        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("fallback refresh failed too"));
    }

    [Fact]
    public async Task InProcessQueue_Full_RefusesWithAClearError()
    {
        var queue = new InProcessQueue(capacity: 1);
        var request = new RefreshRequest("job", "k", null, [], DateTimeOffset.UnixEpoch);

        await queue.EnqueueAsync(request);
        var e = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.EnqueueAsync(request).AsTask());

        Assert.Contains("full (1 requests waiting)", e.Message);
    }

    private sealed class BrokenStore : ICacheStore
    {
        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Broken<T>();

        private sealed class Broken<T> : IEnvelopeStore<T>
        {
            public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<Envelope<T>?>(new IOException("store unreachable"));

            public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<bool>(new IOException("store unreachable"));

            public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                ValueTask.FromException(new IOException("store unreachable"));

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<bool>(new IOException("store unreachable"));
        }
    }

    private sealed class BrokenQueue : IRefreshQueue
    {
        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new RefreshQueueUnavailableException("queue unreachable"));

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
