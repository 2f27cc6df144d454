namespace Cacheback;

/// <summary>
/// The embedded default store: envelopes as objects in this process's memory, a dictionary per
/// job, bounded by <see cref="MemoryStoreOptions.MaxEntries"/> over all jobs. A hit is one
/// dictionary lookup: the dictionary's value is the envelope itself, and the read sets its CLOCK
/// bit only when it is clear. A write past the bound evicts entries not read since the eviction
/// hand last passed them; a sweep on the store's <see cref="TimeProvider"/> removes entries past
/// their TTL a batch at a time, whether or not anything is written. Until the sweep reaches them,
/// reads return them and the decision treats them as misses by their age.
/// </summary>
public sealed class MemoryStore : ICacheStore, IBoundedStore
{
    private readonly Dictionary<string, object> _partitions = new(StringComparer.Ordinal);
    private readonly MemoryBounds _bounds;

    MemoryBounds? IBoundedStore.Bounds => _bounds;

    /// <summary>
    /// Creates a store with the default bounds (<see cref="MemoryStoreOptions"/>) that reads time from
    /// <paramref name="timeProvider"/> (default: the system clock, or the runtime's once a runtime takes the store).
    /// </summary>
    /// <remarks>
    /// A runtime that takes the store (<see cref="CachebackRuntimeOptions.Store"/>,
    /// <see cref="CachebackRuntimeOptions.Stores"/>) puts it on its one clock; a runtime on another
    /// <see cref="TimeProvider"/> than the one given here refuses it (<see cref="ArgumentException"/>).
    /// </remarks>
    public MemoryStore(TimeProvider? timeProvider = null)
        : this(new MemoryStoreOptions(), timeProvider)
    {
    }

    /// <summary>
    /// Creates a store with the bounds <paramref name="options"/> give, reading time from
    /// <paramref name="timeProvider"/> (default: the system clock, or the runtime's once a runtime takes the store).
    /// </summary>
    /// <remarks><inheritdoc cref="MemoryStore(TimeProvider)" path="/remarks" /></remarks>
    /// <exception cref="ArgumentException">An option is out of its bounds (the message names it and the limit).</exception>
    public MemoryStore(MemoryStoreOptions options, TimeProvider? timeProvider = null)
        // A clock of its own: the store may serve with no runtime at all.
        : this(options, new Clock(timeProvider ?? Clock.System), timeGiven: timeProvider is not null)
    {
    }

    /// <summary>The store a runtime makes for itself, on the runtime's one <see cref="Clock"/>.</summary>
    internal MemoryStore(MemoryStoreOptions options, Clock clock)
        : this(options, clock, timeGiven: true)
    {
    }

    private MemoryStore(MemoryStoreOptions options, Clock clock, bool timeGiven)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        MaxEntries = options.MaxEntries;
        _bounds = new MemoryBounds(options.MaxEntries, long.MaxValue, options.SweepInterval, options.SweepBatchSize, clock, timeGiven);
    }

    /// <summary>The clock of TTLs and the sweep: the runtime's once a runtime took the store.</summary>
    internal Clock Clock => _bounds.Clock;

    /// <summary>How many envelopes the store holds now, all jobs together (entries past their TTL count until swept).</summary>
    public long Count => _bounds.Count;

    /// <summary>The bound on <see cref="Count"/>.</summary>
    public int MaxEntries { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The job already has a partition for values of another type.</exception>
    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        object partition;
        lock (_partitions)
        {
            if (!_partitions.TryGetValue(spec.Job, out partition!))
                _partitions[spec.Job] = partition = new MemoryPartition<T>(new EntryTable<Envelope<T>>(_bounds, spec.Job), _bounds);
        }

        return partition as MemoryPartition<T>
            ?? throw new InvalidOperationException($"Job '{spec.Job}' already has a partition for values of another type than {typeof(T).Name}: job names must be unique.");
    }

    private sealed class MemoryPartition<T>(EntryTable<Envelope<T>> table, MemoryBounds bounds) : IEnvelopeStore<T>
    {
        public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
        {
            if (!table.Entries.TryGetValue(key, out var envelope))
                return default;
            envelope.MarkRead();
            return new(envelope);
        }

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(next);
            bool stored;
            lock (table.Gate)
            {
                // An entry past its TTL but not yet swept still counts: reads return it too, and the decision saw it.
                var current = table.Entries.TryGetValue(key, out var entry) ? entry.Version : 0;
                stored = current == expectedVersion;
                if (stored)
                    table.SetLocked(key, next.TakeForStore(ExpiresAt(ttl)));
            }

            bounds.EvictIfOver();
            return new(stored);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(envelope);
            lock (table.Gate)
                table.SetLocked(key, envelope.TakeForStore(ExpiresAt(ttl)));
            bounds.EvictIfOver();
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        {
            lock (table.Gate)
                return new(table.RemoveLocked(key));
        }

        // TimeSpan.MaxValue is about 9.2e14 ms: added to a Unix time in ms, it cannot overflow.
        private long ExpiresAt(TimeSpan ttl) => bounds.Clock.NowMs() + (long)ttl.TotalMilliseconds;
    }
}
