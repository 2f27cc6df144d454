using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// The stream of <see cref="CacheEvent"/>s of one runtime. Publishing is free when nobody observes;
/// when someone does, events are delivered one at a time, on the thread that caused them (so a
/// subscriber doing slow work should hand it off, with ObserveOn).
/// </summary>
internal sealed class EventHub(ILogger logger) : IObservable<CacheEvent>, IDisposable
{
    private readonly Subject<CacheEvent> _subject = new();
    private readonly object _gate = new();

    public bool IsObserved => _subject.HasObservers;

    public void Publish(CacheEvent cacheEvent)
    {
        if (!_subject.HasObservers)
            return;
        // Rx observers expect calls one at a time; readers publish from many threads. Subscribe
        // isolates each observer, so this does not throw.
        lock (_gate)
            _subject.OnNext(cacheEvent);
    }

    /// <summary>Subscribes; if the observer throws, that is logged, and the other observers still get the event.</summary>
    public IDisposable Subscribe(IObserver<CacheEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return _subject.Subscribe(
            cacheEvent =>
            {
                try
                {
                    observer.OnNext(cacheEvent);
                }
#pragma warning disable CA1031 // Whatever a subscriber throws.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Log.ObserverFailed(logger, e);
                }
            },
            observer.OnError,
            observer.OnCompleted);
    }

    public void Dispose()
    {
        lock (_gate)
            _subject.OnCompleted();
        _subject.Dispose();
    }
}
