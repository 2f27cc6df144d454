using System.Collections.Concurrent;
using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace Cacheback;

/// <summary>
/// Runs refresh requests: requests in, outcomes out. A request for a key and claim (expected
/// version) already queued or running is not run again (it comes out as
/// <see cref="RefreshResult.Duplicate"/>): a redelivered request never runs twice at once, while a
/// newer claim on the same key does run, and supersedes the older one. At most
/// <see cref="RefreshPipelineOptions.MaxConcurrency"/> run at once, and each one is cancelled after
/// <see cref="RefreshPipelineOptions.Timeout"/>. Every request yields exactly one outcome. The same
/// pipeline runs in-process and in worker processes.
/// </summary>
internal static class RefreshPipeline
{
    /// <summary>Builds the pipeline over <paramref name="requests"/>; nothing runs until it is subscribed.</summary>
    /// <param name="requests">The requests.</param>
    /// <param name="refresh">Runs one request; throws when the fetch fails.</param>
    /// <param name="options">Concurrency and timeout (default: <see cref="RefreshPipelineOptions"/>'s defaults).</param>
    /// <param name="scheduler">Where timeouts are timed (default: the thread pool); a virtual-time scheduler in tests.</param>
    /// <param name="timeoutFor">A request's own timeout (its job's), when it has one; otherwise <see cref="RefreshPipelineOptions.Timeout"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IObservable<RefreshOutcome> Run(
        IObservable<RefreshRequest> requests,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh,
        RefreshPipelineOptions? options = null,
        IScheduler? scheduler = null,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(refresh);
        options ??= new RefreshPipelineOptions();
        options.Validate();
        scheduler ??= DefaultScheduler.Instance;

        return Observable.Defer(() =>
        {
            var pending = new ConcurrentDictionary<(string Job, string Key, long? Version), byte>();
            return requests
                .Select(request =>
                {
                    var claim = (request.Job, request.Key, request.ExpectedVersion);
                    if (!pending.TryAdd(claim, 0))
                        return Observable.Return(new RefreshOutcome(request, RefreshResult.Duplicate, TimeSpan.Zero));
                    // Released before the outcome goes out, so whoever reacts to it may enqueue the key again.
                    return RunOne(request, refresh, timeoutFor?.Invoke(request) ?? options.Timeout, scheduler)
                        .Do(outcome => pending.TryRemove(claim, out var unused))
                        .Finally(() => pending.TryRemove(claim, out _));
                })
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
