using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Keeps a runtime's <see cref="Clock"/> on its store's clock (issue 10, defect 7): measures the
/// offset when the runtime is built, every <see cref="IStoreClock.ClockSyncInterval"/> on the
/// runtime's <see cref="TimeProvider"/>, and when the store reconnects. A measurement that fails
/// keeps the last offset (0 before the first): the runtime goes on, on the best clock it knows.
/// </summary>
internal sealed class StoreClockSync : IDisposable
{
    /// <summary>A store that does not answer within this is given up on until the next measurement.</summary>
    private static readonly TimeSpan MeasureTimeout = TimeSpan.FromSeconds(10);

    private readonly IStoreClock _store;
    private readonly Clock _clock;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly EventHandler _onReconnected;
    private readonly object _gate = new();
    private Task _running = Task.CompletedTask;
    private bool _measured;
    private int _disposed;

    private StoreClockSync(IStoreClock store, Clock clock, ILogger logger)
    {
        _store = store;
        _clock = clock;
        _logger = logger;
        var interval = StoreClockLimits.Check(store.ClockSyncInterval, $"{store.GetType().Name}.{nameof(IStoreClock.ClockSyncInterval)}");
        _onReconnected = (_, _) => _ = MeasureAsync();
        _timer = clock.TimeProvider.CreateTimer(static self => _ = ((StoreClockSync)self!).MeasureAsync(), this, interval, interval);
        store.Reconnected += _onReconnected;
    }

    /// <summary>The store whose clock is followed.</summary>
    public IStoreClock Store => _store;

    /// <summary>
    /// Follows the clock of the first of <paramref name="stores"/> that keeps one (looking through
    /// layers such as an encoding or an L1), measured once before this returns; null when none does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The store's <see cref="IStoreClock.ClockSyncInterval"/> is out of its bounds.</exception>
    public static StoreClockSync? Follow(IEnumerable<object> stores, Clock clock, ILogger logger)
    {
        if (stores.Select(Find).FirstOrDefault(found => found is not null) is not { } store)
            return null;
        var sync = new StoreClockSync(store, clock, logger);
        // Blocks the runtime's construction for a few round trips (bounded by the store's own
        // timeouts and MeasureTimeout): no read is judged on the local clock when the store's can be had.
        sync.MeasureAsync().GetAwaiter().GetResult();
        return sync;
    }

    /// <summary>The clock of <paramref name="store"/>, or of the store under it.</summary>
    public static IStoreClock? Find(object? store)
    {
        // Bounded: layers do not nest deeply, and a cycle must not hang the runtime's construction.
        for (var depth = 0; depth < 16 && store is not null; depth++)
        {
            if (store is IStoreClock clock)
                return clock;
            store = (store as IStoreLayer)?.Inner;
        }

        return null;
    }

    /// <summary>Measures now, unless a measurement is already under way (then that one's task). Never faults.</summary>
    public Task MeasureAsync()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) != 0 || !_running.IsCompleted)
                return _running;
            return _running = MeasureOnceAsync();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _store.Reconnected -= _onReconnected;
        _timer.Dispose();
    }

    private async Task MeasureOnceAsync()
    {
        var samples = new List<ClockSample>(StoreClockLimits.Samples);
        Exception? failure = null;
        using var timeout = new CancellationTokenSource(MeasureTimeout, _clock.TimeProvider);
        try
        {
            for (var i = 0; i < StoreClockLimits.Samples; i++)
            {
                var sent = _clock.LocalNowMs();
                var storeTime = await _store.GetTimeAsync(timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
                samples.Add(new ClockSample(sent, storeTime.ToUnixTimeMilliseconds(), _clock.LocalNowMs()));
            }
        }
#pragma warning disable CA1031 // Any store's failure (down, slow, a bug) must leave the runtime on its last offset, not crash a timer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failure = e;
        }

        // The samples taken before a failure are as good as any.
        if (OffsetEstimator.Estimate(samples) is not { } offset)
        {
            ClockLog.Failed(_logger, _clock.OffsetMs, failure ?? new InvalidOperationException("Every reading of the store's clock ran backwards on the local clock."));
            return;
        }

        var previous = _clock.OffsetMs;
        _clock.SetOffsetMs(offset);
        ClockLog.Measured(_logger, offset, samples.Where(s => s.RoundTripMs >= 0).Min(s => s.RoundTripMs));
        if (_measured && Math.Abs(offset - previous) >= 1000)
            ClockLog.Moved(_logger, previous, offset);
        _measured = true;
    }
}
