// The one place that may name the system clock and the tick count (eng/BannedSymbols.txt bans them
// everywhere else): every other part takes its time from a TimeProvider it is given.
#pragma warning disable RS0030

namespace Cacheback;

/// <summary>
/// Unix milliseconds from a <see cref="TimeProvider"/>. For the system clock it reads
/// <see cref="Environment.TickCount64"/> (a few ns) against a wall-clock anchor taken at most a
/// second ago, instead of the wall clock itself (~25 ns): a hit reads the time once.
/// </summary>
internal sealed class Clock
{
    private const long ResyncMs = 1000;
    private readonly TimeProvider _time;
    private readonly bool _coarse;
    private Anchor _anchor;

    /// <summary>The system clock: the default of every option that takes a <see cref="System.TimeProvider"/>.</summary>
    public static TimeProvider System => TimeProvider.System;

    public Clock(TimeProvider time)
    {
        _time = time;
        _coarse = ReferenceEquals(time, TimeProvider.System);
        _anchor = new Anchor(time.GetUtcNow().ToUnixTimeMilliseconds(), Environment.TickCount64);
    }

    public TimeProvider TimeProvider => _time;

    public long NowMs()
    {
        if (!_coarse)
            return _time.GetUtcNow().ToUnixTimeMilliseconds();
        var anchor = Volatile.Read(ref _anchor);
        var elapsed = Environment.TickCount64 - anchor.Tick;
        return elapsed is >= 0 and < ResyncMs ? anchor.WallMs + elapsed : Resync();
    }

    public DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs());

    private long Resync()
    {
        var anchor = new Anchor(_time.GetUtcNow().ToUnixTimeMilliseconds(), Environment.TickCount64);
        Volatile.Write(ref _anchor, anchor);
        return anchor.WallMs;
    }

    private sealed record Anchor(long WallMs, long Tick);
}
