using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace Cacheback;

/// <summary>
/// Runs refresh requests: requests in, outcomes out. A key already queued or running is not run
/// again (its duplicate comes out as <see cref="RefreshResult.Duplicate"/>), at most
/// <see cref="RefreshPipelineOptions.MaxConcurrency"/> run at once, and each one is cancelled after
/// <see cref="RefreshPipelineOptions.Timeout"/>. Every request yields exactly one outcome. The same
/// pipeline runs in-process and in worker processes.
/// </summary>
public static class RefreshPipeline
{
    /// <summary>Builds the pipeline over <paramref name="requests"/>; nothing runs until it is subscribed.</summary>
    /// <param name="requests">The requests.</param>
    /// <param name="refresh">Runs one request; throws when the fetch fails.</param>
    /// <param name="options">Concurrency and timeout (default: <see cref="RefreshPipelineOptions"/>'s defaults).</param>
    /// <param name="scheduler">Where timeouts are timed (default: the thread pool); a virtual-time scheduler in tests.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IObservable<RefreshOutcome> Run(
        IObservable<RefreshRequest> requests,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh,
        RefreshPipelineOptions? options = null,
        IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(refresh);
        options ??= new RefreshPipelineOptions();
        options.Validate();
        scheduler ??= DefaultScheduler.Instance;

        return Observable.Defer(() =>
        {
            var pending = new ConcurrentDictionary<(string Job, string Key), byte>();
            return requests
                .Select(request => pending.TryAdd((request.Job, request.Key), 0)
                    ? RunOne(request, refresh, options.Timeout, scheduler)
                        .Finally(() => pending.TryRemove((request.Job, request.Key), out _))
                    : Observable.Return(new RefreshOutcome(request, RefreshResult.Duplicate, TimeSpan.Zero)))
                .Merge(options.MaxConcurrency);
        });
    }

    private static IObservable<RefreshOutcome> RunOne(
        RefreshRequest request, Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh, TimeSpan timeout, IScheduler scheduler) =>
        Observable.Defer(() =>
        {
            var started = scheduler.Now;
            TimeSpan Elapsed() => scheduler.Now - started;
            // Task.Run: a fetch that blocks before its first await must not stall the queue's reader.
            return Observable.FromAsync(cancellationToken => Task.Run(() => refresh(request, cancellationToken), cancellationToken))
                .Select(result => new RefreshOutcome(request, result, Elapsed()))
                .Catch((Exception e) => Observable.Return(new RefreshOutcome(request, RefreshResult.Failed, Elapsed(), e)))
                // On timeout the fetch's subscription is disposed, which cancels its token.
                .Timeout(timeout, Observable.Defer(() => Observable.Return(new RefreshOutcome(
                    request, RefreshResult.TimedOut, Elapsed(), new TimeoutException($"The refresh ran longer than {timeout}.")))), scheduler);
        });
}
