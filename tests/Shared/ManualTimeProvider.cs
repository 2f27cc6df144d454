namespace Cacheback.Tests;

/// <summary>
/// A clock that moves only when told to (TimeProvider.Testing does not restore here). With
/// <c>virtualTimers</c>, its timers fire inside <see cref="Advance"/>, on the caller's thread, when
/// the clock passes them; without, they are the system's (real time), as before.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly bool _virtualTimers;
    private readonly List<ManualTimer> _timers = [];
    private long _utcTicks;

    public ManualTimeProvider(DateTimeOffset? start = null, bool virtualTimers = false)
    {
        _utcTicks = (start ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)).UtcTicks;
        _virtualTimers = virtualTimers;
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public override long GetTimestamp() => Interlocked.Read(ref _utcTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!_virtualTimers)
            return base.CreateTimer(callback, state, dueTime, period);
        var timer = new ManualTimer(this, callback, state);
        lock (_timers)
            _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock, firing every virtual timer it passes, in time order.</summary>
    public void Advance(TimeSpan by)
    {
        var target = Interlocked.Read(ref _utcTicks) + by.Ticks;
        while (NextDue(target) is { } timer)
        {
            Interlocked.Exchange(ref _utcTicks, Math.Max(Interlocked.Read(ref _utcTicks), timer.DueTicks));
            timer.Fire();
        }

        Interlocked.Exchange(ref _utcTicks, target);
    }

    private ManualTimer? NextDue(long target)
    {
        lock (_timers)
            return _timers.Where(t => t.DueTicks <= target).MinBy(t => t.DueTicks);
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private const long Never = long.MaxValue;
        private long _periodTicks;

        public long DueTicks { get; private set; } = Never;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._timers)
            {
                DueTicks = dueTime == Timeout.InfiniteTimeSpan ? Never : clock.GetUtcNow().UtcTicks + dueTime.Ticks;
                _periodTicks = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? 0 : period.Ticks;
            }

            return true;
        }

        public void Fire()
        {
            lock (clock._timers)
                DueTicks = _periodTicks == 0 ? Never : DueTicks + _periodTicks;
            callback(state);
        }

        public void Dispose()
        {
            lock (clock._timers)
            {
                DueTicks = Never;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
