using System.Collections.Concurrent;

namespace Cacheback.Tests;

/// <summary>A store that records the TTL of every write it passes on.</summary>
public sealed class RecordingStore(ICacheStore inner) : ICacheStore
{
    public ConcurrentQueue<TimeSpan> Ttls { get; } = new();

    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Recording<T>(inner.Partition(spec), Ttls);

    private sealed class Recording<T>(IEnvelopeStore<T> inner, ConcurrentQueue<TimeSpan> ttls) : IEnvelopeStore<T>
    {
        public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            if (next.HasValue && next.LeaseUntil is null)
                ttls.Enqueue(ttl); // a fresh value (claims are leased)
            return inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            ttls.Enqueue(ttl);
            return inner.WriteAsync(key, envelope, ttl, cancellationToken);
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
