// The one place that may name the system clock and the tick count (eng/BannedSymbols.txt bans them
// everywhere else): every other part takes its time from a TimeProvider it is given.
#pragma warning disable RS0030

using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The runtime's time, in Unix milliseconds: its store's clock when the store keeps one every
/// process can read (<see cref="IStoreClock"/>; issue 10, defect 7), else its
/// <see cref="TimeProvider"/>'s. Built once per runtime and shared by everything the runtime builds
/// (the executors, the default memory store). Local time comes from the <see cref="TimeProvider"/>;
/// for the system clock it reads <see cref="Environment.TickCount64"/> (a few ns) against a
/// wall-clock anchor taken at most a second ago, instead of the wall clock itself (~25 ns): a hit
/// reads the time once. The store's offset is added to it (one more read of a field).
/// </summary>
internal sealed class Clock
{
    private const long ResyncMs = 1000;
    private readonly TimeProvider _time;
    private readonly bool _coarse;
    private Anchor _anchor;
    private long _offsetMs;

    /// <summary>The system clock: the default of every option that takes a <see cref="System.TimeProvider"/>.</summary>
    public static TimeProvider System => TimeProvider.System;

    public Clock(TimeProvider time)
    {
        _time = time;
        _coarse = ReferenceEquals(time, TimeProvider.System);
        _anchor = new Anchor(time.GetUtcNow().ToUnixTimeMilliseconds(), Environment.TickCount64);
    }

    public TimeProvider TimeProvider => _time;

    /// <summary>The store's clock minus the local one, as last measured (<see cref="StoreClockSync"/>); 0 when the store keeps no clock.</summary>
    public long OffsetMs => Volatile.Read(ref _offsetMs);

    /// <summary>Now on the store's clock: what every decision about freshness, leases and TTLs reads.</summary>
    public long NowMs() => LocalNowMs() + Volatile.Read(ref _offsetMs);

    public void SetOffsetMs(long offsetMs) => Volatile.Write(ref _offsetMs, offsetMs);

    /// <summary>Now on the local clock (the <see cref="TimeProvider"/>): what the store's clock is measured against.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long LocalNowMs()
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
