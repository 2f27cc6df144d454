namespace Cacheback.Tests.Execution;

/// <summary>
/// Issue 10, defect 12: a read that found the store failing returns what it fetched without
/// waiting on a write-back to that store (a store that stopped answering would hold it a second timeout).
/// </summary>
public class StoreDownReadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_ReadFailsAndWritesHang_ReturnsTheFetchedValueWithoutWaitingForTheWrite()
    {
        var store = new ReadFailsWriteHangs();
        using var h = new Harness(store: store);
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "down");
        try
        {
            Assert.Equal("v1", await cached.GetAsync("k").AsTask().WaitAsync(Bound));
            Assert.Equal("v2", await cached.GetAsync("k").AsTask().WaitAsync(Bound));
            Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
        }
        finally
        {
            store.Release.TrySetResult();
        }
    }

    /// <summary>A store whose reads fail at once and whose writes wait until released (a store that stopped answering).</summary>
    private sealed class ReadFailsWriteHangs : ICacheStore
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Partitioned<T>(Release);

        private sealed class Partitioned<T>(TaskCompletionSource release) : IEnvelopeStore<T>
        {
            public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<Envelope<T>?>(new IOException("store timed out"));

            public async ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
            {
                await release.Task;
                throw new IOException("store timed out");
            }

            public async ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
            {
                await release.Task;
                throw new IOException("store timed out");
            }

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<bool>(new IOException("store timed out"));
        }
    }
}
