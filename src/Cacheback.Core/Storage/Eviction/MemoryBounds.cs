namespace Cacheback;

/// <summary>
/// The bound of one memory store, over all its tables: the count of entries and bytes, the
/// eviction that brings a store back under its bound after a write (CLOCK, see below), and the
/// sweep of expired entries that a timer on the store's <see cref="TimeProvider"/> runs, and the
/// store's clock: its own until a runtime takes the store, then the runtime's one clock.
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
    private readonly TimeSpan _sweepInterval;
    private readonly bool _timeGiven;
    private Clock _clock;
    private bool _onRuntimeClock;
    private SweepTimer _sweepTimer;
    private readonly object _evictGate = new();
    private readonly object _sweepGate = new();
    private IEvictionSegment[] _segments = [];
    private long _count;
    private long _bytes;
    private int _hand;
    private int _sweepAt;

    /// <param name="maxEntries">The bound on entries.</param>
    /// <param name="maxBytes">The bound on bytes.</param>
    /// <param name="sweepInterval">How often the sweep runs.</param>
    /// <param name="sweepBatch">How many entries a sweep looks at.</param>
    /// <param name="clock">The store's clock until a runtime takes it (<see cref="JoinRuntime"/>).</param>
    /// <param name="timeGiven">
    /// Whether the store was given its <see cref="TimeProvider"/> (by its user, or by the runtime that
    /// made it): a runtime on another one must refuse it. A store left on the default (the system
    /// clock) takes its runtime's.
    /// </param>
    public MemoryBounds(long maxEntries, long maxBytes, TimeSpan sweepInterval, int sweepBatch, Clock clock, bool timeGiven)
    {
        _maxEntries = maxEntries;
        _maxBytes = maxBytes;
        _sweepBatch = sweepBatch;
        _sweepInterval = sweepInterval;
        _timeGiven = timeGiven;
        _clock = clock;
        _sweepTimer = SweepTimer.Start(this, clock.TimeProvider, sweepInterval);
    }

    /// <summary>The clock of the store's TTLs and sweep: the runtime's once a runtime took the store.</summary>
    public Clock Clock => Volatile.Read(ref _clock);

    /// <summary>
    /// Puts the store on <paramref name="runtimeClock"/> when a runtime takes it (issue 9: one clock
    /// per runtime, so that the store's TTLs and the runtime's decisions read the same time). A store
    /// already on a runtime's clock stays on it, if the new runtime reads the same
    /// <see cref="TimeProvider"/>; a store left on the default system clock moves to the runtime's
    /// <see cref="TimeProvider"/> while it is empty (what it holds was stamped on the other time).
    /// </summary>
    /// <param name="runtimeClock">The runtime's clock.</param>
    /// <param name="store">The store as the runtime names it, for the message.</param>
    /// <param name="option">The runtime's option that gave the store, for the exception.</param>
    /// <exception cref="ArgumentException">See <see cref="CheckJoin"/>.</exception>
    public void JoinRuntime(Clock runtimeClock, string store, string option)
    {
        lock (_sweepGate)
        {
            CheckJoin(runtimeClock, store, option);
            if (!ReferenceEquals(_clock.TimeProvider, runtimeClock.TimeProvider))
            {
                // Empty, on the default clock: nothing was stamped yet; the sweep follows the new time.
                _sweepTimer.Stop();
                _sweepTimer = SweepTimer.Start(this, runtimeClock.TimeProvider, _sweepInterval);
            }
            else if (_onRuntimeClock)
            {
                // The same time as the runtime that took it first: that runtime's clock (and its store offset) stays.
                return;
            }

            Volatile.Write(ref _clock, runtimeClock);
            _onRuntimeClock = true;
        }
    }

    /// <summary>Whether <see cref="JoinRuntime"/> would take the store onto <paramref name="runtimeClock"/>: a runtime checks every store before it moves one.</summary>
    /// <exception cref="ArgumentException">
    /// The store reads another <see cref="TimeProvider"/> than the runtime: given to it, or taken from
    /// another runtime, or the system clock its entries were stamped on (the message names both).
    /// </exception>
    public void CheckJoin(Clock runtimeClock, string store, string option)
    {
        lock (_sweepGate)
        {
            var mine = _clock.TimeProvider;
            var theirs = runtimeClock.TimeProvider;
            if (ReferenceEquals(mine, theirs) || !(_timeGiven || _onRuntimeClock || Count > 0))
                return;
            var why = _onRuntimeClock ? "another runtime's clock"
                : _timeGiven ? "the TimeProvider it was built with"
                : $"the default system clock, on which its {Count} entries were stamped";
            throw new ArgumentException(
                $"The {store} reads time from {Describe(mine)} ({why}), but the runtime from {Describe(theirs, mine)}: "
                + "a store in a runtime runs on the runtime's one clock. Build the store with the runtime's TimeProvider, or with none (it then takes the runtime's).",
                option);
        }
    }

    private static string Describe(TimeProvider time, TimeProvider? other = null) =>
        ReferenceEquals(time, Clock.System) ? "the system clock"
        : other is not null && other.GetType() == time.GetType() ? $"another {time.GetType().Name}"
        : $"a {time.GetType().Name}";

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
            var now = Clock.NowMs();
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

        public static SweepTimer Start(MemoryBounds bounds, TimeProvider time, TimeSpan interval)
        {
            var state = new SweepTimer(bounds);
            state._timer = time.CreateTimer(static s => ((SweepTimer)s!).Tick(), state, interval, interval);
            return state;
        }

        public void Stop() => _timer?.Dispose();

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
