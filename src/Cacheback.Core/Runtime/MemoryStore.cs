using System.Collections.Concurrent;

namespace Cacheback;

/// <summary>
/// The embedded default store: envelopes as objects in this process's memory, a dictionary per
/// job. A hit is one dictionary lookup. Entries past their TTL are removed by a sweep that runs at
/// most once a minute, on the thread pool, when something is written; until then the decision
/// treats them as misses by their age.
/// </summary>
public sealed class MemoryStore : ICacheStore
{
    private readonly ConcurrentDictionary<string, object> _partitions = new(StringComparer.Ordinal);
    private readonly Clock _clock;

    /// <summary>Creates a store that reads time from <paramref name="timeProvider"/> (default: the system clock).</summary>
    public MemoryStore(TimeProvider? timeProvider = null) => _clock = new Clock(timeProvider ?? TimeProvider.System);

    /// <summary>How often expired entries are swept out.</summary>
    /// <value>Default one minute.</value>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var partition = _partitions.GetOrAdd(spec.Job, _ => new MemoryPartition<T>(_clock, (long)SweepInterval.TotalMilliseconds));
        return partition as MemoryPartition<T>
            ?? throw new InvalidOperationException($"Job '{spec.Job}' already has a partition for values of another type than {typeof(T).Name}: job names must be unique.");
    }

    private sealed class MemoryPartition<T>(Clock clock, long sweepIntervalMs) : IEnvelopeStore<T>
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
        private readonly object _casGate = new();
        private long _nextSweepMs = clock.NowMs() + sweepIntervalMs;

        public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) =>
            new(_entries.TryGetValue(key, out var entry) ? entry.Envelope : null);

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(next);
            var now = clock.NowMs();
            bool stored;
            // Claims are rare (once per stale episode): a lock keeps the check and the swap together.
            lock (_casGate)
            {
                // An entry past its TTL but not yet swept still counts: reads return it too, and the decision saw it.
                var current = _entries.TryGetValue(key, out var entry) ? entry.Envelope.Version : 0;
                stored = current == expectedVersion;
                if (stored)
                    _entries[key] = new Entry(next, now + (long)ttl.TotalMilliseconds);
            }

            MaybeSweep(now);
            return new(stored);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(envelope);
            var now = clock.NowMs();
            lock (_casGate)
                _entries[key] = new Entry(envelope, now + (long)ttl.TotalMilliseconds);
            MaybeSweep(now);
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        {
            lock (_casGate)
                return new(_entries.TryRemove(key, out _));
        }

        private void MaybeSweep(long now)
        {
            var due = Volatile.Read(ref _nextSweepMs);
            if (now < due || Interlocked.CompareExchange(ref _nextSweepMs, now + sweepIntervalMs, due) != due)
                return;
            ThreadPool.UnsafeQueueUserWorkItem(static p => p.Sweep(), this, preferLocal: false);
        }

        private void Sweep()
        {
            var now = clock.NowMs();
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAtMs <= now)
                    _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }

        private sealed record Entry(Envelope<T> Envelope, long ExpiresAtMs);
    }
}
