using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Cacheback.Web.Live;

/// <summary>
/// The live page's source: the runtime's meter (through a <see cref="MeterListener"/>, as an
/// OpenTelemetry exporter would read it) for the counts per second and the queue gauges, and its
/// event stream for the recent events. It listens only while a page is open: with nobody
/// watching, the cache's hot path pays nothing for it.
/// </summary>
internal sealed class LiveFeed : IDisposable
{
    public const int MaxEventsPerTick = 50;
    public const int RecentCapacity = 50;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly CachebackRuntime _runtime;
    private readonly IMeterFactory _meters;
    private readonly object _gate = new();
    private readonly List<Channel<LiveTick>> _watchers = [];
    private readonly Queue<LiveEvent> _recent = new();
    private readonly Queue<LiveEvent> _pending = new();
    private MeterListener? _listener;
    private IDisposable? _events;
    private ITimer? _timer;
    private long _hits, _staleHits, _misses, _refreshes;
    private long? _queueDepth, _deadLetters, _depthSum, _deadSum;

    public LiveFeed(CachebackRuntime runtime, IMeterFactory meters)
    {
        _runtime = runtime;
        _meters = meters;
    }

    /// <summary>The last events seen while someone watched, oldest first.</summary>
    public IReadOnlyList<LiveEvent> Recent
    {
        get
        {
            lock (_gate)
                return [.. _recent];
        }
    }

    /// <summary>A reader of the ticks from now on; dispose it to stop watching. The first watcher starts the listening.</summary>
    public Watch Subscribe()
    {
        var channel = Channel.CreateBounded<LiveTick>(new BoundedChannelOptions(60) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _watchers.Add(channel);
            if (_watchers.Count == 1)
                Start();
        }

        return new Watch(channel.Reader, () => Unsubscribe(channel));
    }

    public void Dispose()
    {
        lock (_gate)
            Stop();
    }

    private void Unsubscribe(Channel<LiveTick> channel)
    {
        lock (_gate)
        {
            if (_watchers.Remove(channel) && _watchers.Count == 0)
                Stop();
        }

        channel.Writer.TryComplete();
    }

    private void Start()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // This app's meter only: test hosts in one process each have a runtime and a meter named Cacheback.
                if (instrument.Meter.Name == CachebackDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, _meters) && IsShown(instrument.Name))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Measured(instrument.Name, value));
        _listener.Start();
        _events = _runtime.Events.Subscribe(new EventObserver(this));
        _timer = _runtime.Options.TimeProvider.CreateTimer(_ => Tick(), null, Period, Period);
    }

    private void Stop()
    {
        _timer?.Dispose();
        _events?.Dispose();
        _listener?.Dispose();
        (_timer, _events, _listener) = (null, null, null);
    }

    private static bool IsShown(string instrument) => instrument is "cacheback.hits" or "cacheback.stale_hits" or "cacheback.misses"
        or "cacheback.refreshes.started" or "cacheback.queue.depth" or "cacheback.queue.dead_letters";

    private void Measured(string instrument, long value)
    {
        switch (instrument)
        {
            case "cacheback.hits": Interlocked.Add(ref _hits, value); break;
            case "cacheback.stale_hits": Interlocked.Add(ref _staleHits, value); break;
            case "cacheback.misses": Interlocked.Add(ref _misses, value); break;
            case "cacheback.refreshes.started": Interlocked.Add(ref _refreshes, value); break;
            // Gauges report one measurement per queue, inside RecordObservableInstruments (under the gate).
            case "cacheback.queue.depth": _depthSum = (_depthSum ?? 0) + value; break;
            case "cacheback.queue.dead_letters": _deadSum = (_deadSum ?? 0) + value; break;
        }
    }

    private void Seen(CacheEvent e)
    {
        var shown = LiveEvent.From(e);
        lock (_gate)
        {
            _pending.Enqueue(shown);
            if (_pending.Count > MaxEventsPerTick)
                _pending.Dequeue();
        }
    }

    private void Tick()
    {
        LiveTick tick;
        lock (_gate)
        {
            if (_listener is null)
                return;
            (_depthSum, _deadSum) = (null, null);
            _listener.RecordObservableInstruments();
            (_queueDepth, _deadLetters) = (_depthSum, _deadSum);
            var events = _pending.ToArray();
            _pending.Clear();
            foreach (var e in events)
            {
                _recent.Enqueue(e);
                if (_recent.Count > RecentCapacity)
                    _recent.Dequeue();
            }

            tick = new LiveTick(_runtime.Options.TimeProvider.GetUtcNow(),
                Interlocked.Exchange(ref _hits, 0), Interlocked.Exchange(ref _staleHits, 0), Interlocked.Exchange(ref _misses, 0),
                Interlocked.Exchange(ref _refreshes, 0), _queueDepth, _deadLetters, events);
            foreach (var watcher in _watchers)
                watcher.Writer.TryWrite(tick);
        }
    }

    /// <summary>A page's subscription: its ticks, and the way to end it.</summary>
    internal sealed class Watch(ChannelReader<LiveTick> ticks, Action end) : IDisposable
    {
        public ChannelReader<LiveTick> Ticks => ticks;

        public void Dispose() => end();
    }

    private sealed class EventObserver(LiveFeed feed) : IObserver<CacheEvent>
    {
        public void OnNext(CacheEvent value) => feed.Seen(value);

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
