namespace Cacheback.Tests.Execution;

/// <summary>Found by the multi-process tests: a claim whose reply is lost must still start its refresh.</summary>
public class LostClaimReplyTests
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
