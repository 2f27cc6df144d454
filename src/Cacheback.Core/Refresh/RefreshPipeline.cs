using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace Cacheback;

/// <summary>
/// Runs refresh requests: requests in, outcomes out, as one Rx chain. A request for a key and
/// claim (expected version) already running is not run again (<see cref="DistinctInFlight"/>: it
/// comes out as <see cref="RefreshResult.Duplicate"/>); each one runs on the scheduler within its
/// timeout (<see cref="RefreshWithin"/>); at most <see cref="RefreshPipelineOptions.MaxConcurrency"/>
/// run at once, bounded by <c>Merge</c> and nothing else. Every request yields exactly one outcome.
/// The same pipeline runs in-process and in worker processes.
/// </summary>
internal static class RefreshPipeline
{
    /// <summary>Builds the pipeline over pushed <paramref name="requests"/>; nothing runs until it is subscribed.</summary>
    /// <param name="requests">The requests.</param>
    /// <param name="refresh">Runs one request; throws when the fetch fails.</param>
    /// <param name="scheduler">Where refreshes start and timeouts are timed: one over the runtime's <see cref="TimeProvider"/>, so that tests run on virtual time.</param>
    /// <param name="options">Concurrency and timeout (default: <see cref="RefreshPipelineOptions"/>'s defaults).</param>
    /// <param name="timeoutFor">A request's own timeout (its job's), when it has one; otherwise <see cref="RefreshPipelineOptions.Timeout"/>.</param>
    /// <param name="inFlight">Where running requests are recorded (default: a record of its own).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IObservable<RefreshOutcome> Run(
        IObservable<RefreshRequest> requests,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh,
        TimeProviderScheduler scheduler,
        RefreshPipelineOptions? options = null,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null,
        RefreshesInFlight? inFlight = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return Pull(_ => requests, refresh, scheduler, options, timeoutFor, inFlight);
    }

    /// <summary>
    /// Builds the pipeline over requests that are taken as slots free up: <paramref name="requestsFor"/>
    /// gets one signal per free slot (<see cref="RefreshPipelineOptions.MaxConcurrency"/> at the
    /// start, then one as each run ends) and should yield at most one request per signal, so that
    /// a request is taken only when it can run at once, and a queue's own bound holds.
    /// </summary>
    /// <inheritdoc cref="Run" />
    public static IObservable<RefreshOutcome> Pull(
        Func<IObservable<Unit>, IObservable<RefreshRequest>> requestsFor,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh,
        TimeProviderScheduler scheduler,
        RefreshPipelineOptions? options = null,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null,
        RefreshesInFlight? inFlight = null)
    {
        ArgumentNullException.ThrowIfNull(requestsFor);
        ArgumentNullException.ThrowIfNull(refresh);
        ArgumentNullException.ThrowIfNull(scheduler);
        options ??= new RefreshPipelineOptions();
        options.Validate();

        return Observable.Defer(() =>
        {
            var claims = inFlight ?? new RefreshesInFlight();
            // Runs end on many threads at once: the signal is serialized for whoever takes.
            var freed = Subject.Synchronize(new Subject<Unit>());
            var slots = freed.StartWith(Enumerable.Repeat(Unit.Default, options.MaxConcurrency));
            return new DistinctInFlight(requestsFor(slots), claims, request =>
                    new RefreshWithin(request, refresh, () => TimeoutOf(request), scheduler))
                // The slot is free once the run has ended (or was disposed): then another request may be taken.
                .Select(run => run.Finally(() => freed.OnNext(Unit.Default)))
                .Merge(options.MaxConcurrency);
        });

        TimeSpan TimeoutOf(RefreshRequest request) => timeoutFor?.Invoke(request) ?? options.Timeout;
    }
}
