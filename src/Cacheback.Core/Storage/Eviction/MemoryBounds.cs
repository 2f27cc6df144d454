namespace Cacheback;

/// <summary>
/// The bound of one memory store, over all its tables: the count of entries and bytes, the
/// eviction that brings a store back under its bound after a write (CLOCK, see below), and the
/// sweep of expired entries that a timer on the store's <see cref="TimeProvider"/> runs.
/// </summary>
/// <remarks>
/// <para>Why CLOCK (second chance): a read only sets a bit on the entry, and only when it is clear, so
/// a hit writes nothing in the common case and allocates nothing. LRU needs a list node per entry and
/// a move on every read (IMemoryCache instead sorts all entries by last access when it compacts, a
/// pause that grows with the cache); Caffeine's W-TinyLFU needs read buffers and a frequency sketch.
/// CLOCK approximates LRU with neither: the hand walks the tables in turn, clears the bit of entries
/// read since it last passed, and evicts the first entry found unread. An entry written and never
/// read again is the first to go.</para>
/// <para>Eviction runs on the writer that went over the bound, under one lock per store, until the
/// store is back at its bound: concurrent writers may overshoot by at most one entry each, for as
/// long as it takes them to reach that lock.</para>
/// </remarks>
internal sealed class MemoryBounds
{
    private readonly long _maxEntries;
    private readonly long _maxBytes;
    private readonly int _sweepBatch;
    private readonly Clock _clock;
    private readonly object _evictGate = new();
    private readonly object _sweepGate = new();
    private IEvictionSegment[] _segments = [];
    private long _count;
    private long _bytes;
    private int _hand;
    private int _sweepAt;

    public MemoryBounds(long maxEntries, long maxBytes, TimeSpan sweepInterval, int sweepBatch, Clock clock)
    {
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
        _sweepBatch = sweepBatch;
        _clock = clock;
        SweepTimer.Start(this, clock.TimeProvider, sweepInterval);
    }

    public long Count => Volatile.Read(ref _count);

    public long Bytes => Volatile.Read(ref _bytes);

    public long MaxBytes => _maxBytes;

    /// <summary>The tables of the store, for their counts.</summary>
    public IEvictionSegment[] Segments => Volatile.Read(ref _segments);

    public void Add(IEvictionSegment segment)
    {
        lock (_evictGate)
        {
            lock (_sweepGate)
                _segments = [.. _segments, segment];
        }
    }

    public void Added(long size)
    {
        Interlocked.Increment(ref _count);
        if (size != 0)
            Interlocked.Add(ref _bytes, size);
    }

    public void Replaced(long oldSize, long newSize)
    {
        if (newSize != oldSize)
            Interlocked.Add(ref _bytes, newSize - oldSize);
    }

    public void Removed(long size)
    {
        Interlocked.Decrement(ref _count);
        if (size != 0)
            Interlocked.Add(ref _bytes, -size);
    }

    private bool Over => Volatile.Read(ref _count) > _maxEntries || Volatile.Read(ref _bytes) > _maxBytes;

    /// <summary>After a write (outside any table's gate): evicts until the store is within its bounds.</summary>
    public void EvictIfOver()
    {
        if (!Over)
            return;
        lock (_evictGate)
        {
            var segments = _segments;
            if (segments.Length == 0)
                return;
            // Two turns of the hand clear every bit and then must find an unread entry; past that,
            // what is counted is not there (it cannot happen, but a loop must not trust that).
            var budget = 2 * (Count + segments.Length) + 2;
            var idle = 0L;
            while (Over && idle < budget)
            {
                var step = segments[_hand % segments.Length].Step();
                if (step == HandStep.End)
                    _hand = (_hand + 1) % segments.Length;
                idle = step == HandStep.Evicted ? 0 : idle + 1;
            }
        }
    }

    /// <summary>One tick of the sweep: at most the batch size of entries looked at, from where the last tick stopped.</summary>
    public void Sweep()
    {
        // A tick that finds the previous one still running skips: the work per tick stays bounded.
        if (!Monitor.TryEnter(_sweepGate))
            return;
        try
        {
            var segments = _segments;
            if (segments.Length == 0)
                return;
            var now = _clock.NowMs();
            var budget = _sweepBatch;
            // Each table at most once per tick, so an empty store does not spin.
            for (var visited = 0; budget > 0 && visited < segments.Length; visited++)
            {
                budget -= segments[_sweepAt % segments.Length].Sweep(now, budget, out var reachedEnd);
                if (!reachedEnd)
                    break;
                _sweepAt = (_sweepAt + 1) % segments.Length;
            }
        }
        finally
        {
            Monitor.Exit(_sweepGate);
        }
    }

    /// <summary>
    /// The timer that runs the sweep. It holds the bounds weakly, so a store nobody references is
    /// collected (a timer roots its callback's state), and stops itself at its next tick after that.
    /// </summary>
    private sealed class SweepTimer
    {
        private readonly WeakReference<MemoryBounds> _bounds;
        private ITimer? _timer;

        private SweepTimer(MemoryBounds bounds) => _bounds = new WeakReference<MemoryBounds>(bounds);

        public static void Start(MemoryBounds bounds, TimeProvider time, TimeSpan interval)
        {
            var state = new SweepTimer(bounds);
            state._timer = time.CreateTimer(static s => ((SweepTimer)s!).Tick(), state, interval, interval);
        }

        private void Tick()
        {
            if (!_bounds.TryGetTarget(out var bounds))
            {
                _timer?.Dispose();
                return;
            }

            try
            {
                bounds.Sweep();
            }
#pragma warning disable CA1031 // An exception on a timer thread ends the process; the next tick sweeps again (only a failing TimeProvider or metrics listener can throw here).
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
