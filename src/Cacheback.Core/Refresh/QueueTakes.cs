using System.Reactive;
using System.Reactive.Linq;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// How the refresh worker takes from a queue: one take per free slot of its pipeline, one at a time,
/// until the queue closes or the worker stops taking. A take that throws is logged and tried again
/// after a backoff on the runtime's clock; it never ends the loop.
/// </summary>
internal sealed class QueueTakes(TimeProviderScheduler scheduler, ILogger logger)
{
    /// <summary>The first wait after a take failed; it doubles with each failure in a row.</summary>
    internal static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between takes that keep failing.</summary>
    internal static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Why the last take failed, while takes keep failing; null once a take succeeds.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The wait after <paramref name="failures"/> failed takes in a row: doubling from <see cref="FirstBackoff"/> up to <see cref="LongestBackoff"/>.</summary>
    internal static TimeSpan Backoff(int failures) =>
        failures >= 20 ? LongestBackoff : TimeSpan.FromTicks(Math.Min(LongestBackoff.Ticks, FirstBackoff.Ticks << failures));

    /// <summary>One take from <paramref name="queue"/> per signal of <paramref name="slots"/>, one at a time, until the queue closes or <paramref name="stopTaking"/> is cancelled.</summary>
    public IObservable<RefreshRequest> From(IRefreshQueue queue, IObservable<Unit> slots, CancellationToken stopTaking) =>
        slots
            .Select(_ => Observable.FromAsync(cancellationToken => TakeAsync(queue, cancellationToken)))
            .Concat()
            .TakeWhile(taken => taken.Request is not null)
            .Select(taken => taken.Request!)
            // The stop is seen on the scheduler, not inside the cancellation's callback: completing the
            // pipeline there would wait on Dispose's abandon callback, which waits for this callback to end.
            .TakeUntil(Observable.Create<Unit>(o => stopTaking.Register(() => o.OnNext(Unit.Default))).ObserveOn(scheduler));

    /// <summary>Takes the next request (null once the queue is closed); a take that throws is logged and tried again after a backoff.</summary>
    private async Task<Taken> TakeAsync(IRefreshQueue queue, CancellationToken cancellationToken)
    {
        // Never completes on the caller's stack: a run of requests the queue hands over at once (duplicates,
        // say) must not recurse from one take into the next.
        await Task.Yield();
        for (var failures = 0; ; failures++)
        {
            try
            {
                var taken = new Taken(await queue.TakeAsync(cancellationToken).ConfigureAwait(false));
                Failure = null;
                return taken;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Failure = e;
                var backoff = Backoff(failures);
                Log.TakeFailed(logger, failures + 1, backoff, e);
                await Task.Delay(backoff, scheduler.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What a take returned: a request, or null once the queue is closed (a wrapper, as Rx sequences carry no nulls well).</summary>
    private readonly record struct Taken(RefreshRequest? Request);
}
