using System.Reactive.Subjects;

namespace Cacheback;

/// <summary>
/// The stream of <see cref="CacheEvent"/>s of one runtime. Publishing is free when nobody observes;
/// when someone does, events are delivered one at a time, on the thread that caused them.
/// </summary>
internal sealed class EventHub : IObservable<CacheEvent>, IDisposable
{
    private readonly Subject<CacheEvent> _subject = new();
    private readonly object _gate = new();

    public bool IsObserved => _subject.HasObservers;

    public void Publish(CacheEvent cacheEvent)
    {
        if (!_subject.HasObservers)
            return;
        // Rx observers expect calls one at a time; readers publish from many threads.
        lock (_gate)
            _subject.OnNext(cacheEvent);
    }

    public IDisposable Subscribe(IObserver<CacheEvent> observer) => _subject.Subscribe(observer);

    public void Dispose()
    {
        lock (_gate)
            _subject.OnCompleted();
        _subject.Dispose();
    }
}
