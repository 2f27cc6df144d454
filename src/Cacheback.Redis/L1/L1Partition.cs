using System.Collections.Concurrent;

namespace Cacheback;

/// <summary>What the store does to every partition: evict a key another node changed, or forget everything.</summary>
internal interface IL1Partition
{
    void Evict(string key);

    void Clear();
}

/// <summary>
/// One job's memory layer over its Redis partition. A hit is a dictionary lookup and a tick-count
/// comparison, answered synchronously. Every change of the dictionary happens under one lock, and
/// bumps the generation of the key's stripe: a read from Redis that began before an invalidation or
/// a write of the same stripe is not remembered, so memory never holds an envelope older than one
/// this node wrote or was told of.
/// </summary>
internal sealed class L1Partition<T>(IEnvelopeStore<T> l2, L1Store owner, string job, L1Options options) : IEnvelopeStore<T>, IL1Partition
{
    private const int StripeMask = 63;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly long[] _generations = new long[StripeMask + 1];
    private readonly object _gate = new();
    private readonly long _tick = options.Tick.Ticks;
    private readonly long _ticksPerTimeToLive = options.TicksPerTimeToLive;
    private int _count;

    /// <summary>How many envelopes are in memory now.</summary>
    public int Count => Volatile.Read(ref _count);

    public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        if (_entries.TryGetValue(key, out var entry) && owner.Age < entry.UntilAge)
            return new(entry.Envelope);
        return ReadThrough(key, cancellationToken);
    }

    public async ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        // Always Redis's atomic compare-and-set: memory may be behind, and only Redis decides who wins.
        var (stripe, generation) = Begin(key);
        var write = owner.WriteContext();
        bool stored;
        try
        {
            using (write.Enter())
                stored = await l2.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            End(key, stripe, generation, null, ttl);
            throw;
        }

        // A lost compare-and-set means memory was behind: forget the key.
        End(key, stripe, generation, stored ? next : null, ttl);
        if (stored && !write.Announced)
            await owner.PublishAsync(job, key).ConfigureAwait(false);
        return stored;
    }

    public async ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var (stripe, generation) = Begin(key);
        var write = owner.WriteContext();
        try
        {
            using (write.Enter())
                await l2.WriteAsync(key, envelope, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            End(key, stripe, generation, null, ttl);
            throw;
        }

        End(key, stripe, generation, envelope, ttl);
        if (!write.Announced)
            await owner.PublishAsync(job, key).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var (stripe, generation) = Begin(key);
        var write = owner.WriteContext();
        bool deleted;
        try
        {
            using (write.Enter())
                deleted = await l2.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            End(key, stripe, generation, null, TimeSpan.Zero);
        }

        // Published even when Redis had nothing: another node may still hold it in memory.
        if (!write.Announced)
            await owner.PublishAsync(job, key).ConfigureAwait(false);
        return deleted;
    }

    public void Evict(string key)
    {
        lock (_gate)
        {
            _generations[Stripe(key)]++;
            Remove(key);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            for (var i = 0; i < _generations.Length; i++)
                _generations[i]++;
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }
    }

    private static int Stripe(string key) => StringComparer.Ordinal.GetHashCode(key) & StripeMask;

    private ValueTask<Envelope<T>?> ReadThrough(string key, CancellationToken cancellationToken)
    {
        var stripe = Stripe(key);
        var generation = Volatile.Read(ref _generations[stripe]);
        var read = l2.ReadAsync(key, cancellationToken);
        if (!read.IsCompletedSuccessfully)
            return RememberAsync(read, key, stripe, generation);
        // A ValueTask is consumed once: .Result may hand a pooled source back for another call, so
        // the answer travels on in a new ValueTask, never the one just read.
        var envelope = read.Result;
        Remember(key, stripe, generation, envelope);
        return new(envelope);
    }

    private async ValueTask<Envelope<T>?> RememberAsync(ValueTask<Envelope<T>?> read, string key, int stripe, long generation)
    {
        var result = await read.ConfigureAwait(false);
        Remember(key, stripe, generation, result);
        return result;
    }

    private void Remember(string key, int stripe, long generation, Envelope<T>? read)
    {
        if (read is not { } envelope)
            return;
        lock (_gate)
        {
            // Something changed the stripe (or the connection) while Redis answered: the answer may be old.
            if (_generations[stripe] == generation && owner.IsActive)
                Put(key, envelope, _ticksPerTimeToLive);
        }
    }

    /// <summary>Starts a write: reads that are under way will not be remembered.</summary>
    private (int Stripe, long Generation) Begin(string key)
    {
        var stripe = Stripe(key);
        lock (_gate)
            return (stripe, ++_generations[stripe]);
    }

    /// <summary>
    /// Ends a write: remembers what this node wrote if nothing else touched the stripe meanwhile
    /// (two writes of one key could land in Redis in either order), forgets the key otherwise.
    /// </summary>
    private void End(string key, int stripe, long generation, Envelope<T>? written, TimeSpan ttl)
    {
        lock (_gate)
        {
            var untouched = ++_generations[stripe] == generation + 1;
            if (written is not null && untouched && owner.IsActive)
                Put(key, written, Math.Min(_ticksPerTimeToLive, ttl.Ticks / _tick));
            else
                Remove(key);
        }
    }

    /// <summary>
    /// Under the lock. Served while fewer than <paramref name="ticks"/> ticks of the age counter
    /// passed: between ticks - 1 and ticks of them, never longer. None: not remembered.
    /// </summary>
    private void Put(string key, Envelope<T> envelope, long ticks)
    {
        if (ticks <= 0)
        {
            Remove(key);
            return;
        }

        var entry = new Entry(envelope, owner.Age + ticks);
        if (_entries.TryGetValue(key, out _))
        {
            _entries[key] = entry;
            return;
        }

        if (_count >= options.MaxEntriesPerJob)
        {
            // Full: drop an arbitrary entry. Simple, and enough for a layer whose entries live seconds.
            foreach (var victim in _entries)
            {
                Remove(victim.Key);
                break;
            }
        }

        _entries[key] = entry;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Under the lock.</summary>
    private void Remove(string key)
    {
        if (_entries.TryRemove(key, out _))
            Volatile.Write(ref _count, _count - 1);
    }

    private sealed record Entry(Envelope<T> Envelope, long UntilAge);
}
