using System.Diagnostics;
using System.Reactive.Linq;

namespace Cacheback;

/// <summary>The tracing operator of taken requests: each is handed on inside a take span of its own.</summary>
internal static class TakeSpans
{
    /// <summary>
    /// Hands each request on while a new root span (<see cref="CachebackTracing.Take"/>) is current,
    /// so the refresh it starts is in the same trace; the take loop outlives whatever span started
    /// the worker, and a take must not become the child of the refresh whose end freed its slot.
    /// </summary>
    public static IObservable<RefreshRequest> InTakeSpans(this IObservable<RefreshRequest> taken) =>
        Observable.Create<RefreshRequest>(observer => taken.Subscribe(
            request =>
            {
                var outer = Activity.Current;
                Activity.Current = null;
                try
                {
                    using var take = CachebackTracing.Start(CachebackTracing.Take, request, ActivityKind.Consumer);
                    take.Ended("taken");
                    observer.OnNext(request);
                }
                finally
                {
                    Activity.Current = outer;
                }
            },
            observer.OnError,
            observer.OnCompleted));
}
