using System.Collections.Concurrent;
using System.Diagnostics;
#pragma warning disable CA1031 // The worker logs what its parts throw and carries on: it must not die of a subscriber or a queue.
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Drains refresh queues through the <see cref="RefreshPipeline"/>, one pipeline per queue, and
/// tells each queue its requests' outcomes. Stopping it drains: it takes no new requests, lets
/// the running ones finish within a bounded time, then cancels the rest and reports them.
/// </summary>
public sealed class RefreshWorker : IDisposable
{
    private readonly IReadOnlyList<IRefreshQueue> _queues;
    private readonly Func<RefreshRequest, CancellationToken, Task<RefreshResult>> _dispatch;
    private readonly RefreshPipelineOptions _options;
    private readonly IScheduler? _scheduler;
    private readonly Func<IRefreshQueue, RefreshOutcome, Task> _complete;
    private readonly Func<RefreshRequest, TimeSpan?>? _timeoutFor;
    private readonly ILogger _logger;
    private readonly Subject<RefreshOutcome> _outcomes = new();
    private readonly Subject<Unit> _stop = new();
    // Each request taken, with the span of its take (the parent of its refresh's span).
    private readonly ConcurrentDictionary<RefreshRequest, ActivityContext> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly object _gate = new();
    private Task? _drained;
    private Task[] _loops = [];
    private volatile bool _started;
    private int _completed;

    internal RefreshWorker(
        IReadOnlyList<IRefreshQueue> queues,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> dispatch,
        RefreshPipelineOptions options,
        IScheduler? scheduler,
        Func<IRefreshQueue, RefreshOutcome, Task> complete,
        ILogger logger,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null)
    {
        _timeoutFor = timeoutFor;
        _queues = queues;
        _dispatch = dispatch;
        _options = options;
        _scheduler = scheduler;
        _complete = complete;
        _logger = logger;
    }

    /// <summary>Each outcome, as the pipelines finish them. A subscriber that throws is logged; the others still get every outcome.</summary>
    public IObservable<RefreshOutcome> Outcomes => Observable.Create<RefreshOutcome>(observer => _outcomes.Subscribe(
        outcome =>
        {
            try
            {
                observer.OnNext(outcome);
            }
            catch (Exception e)
            {
                Log.ObserverFailed(_logger, e);
            }
        },
        observer.OnError,
        observer.OnCompleted));

    /// <summary>
    /// Whether it is taking requests: started, not stopped, and the loop of every queue still going
    /// (a loop that died of an error, or whose queue was closed, makes it false).
    /// </summary>
    public bool IsRunning => _started && Array.TrueForAll(Volatile.Read(ref _loops), loop => !loop.IsCompleted);

    /// <summary>What stopped a queue's loop, when an error did; null otherwise.</summary>
    internal Exception? Failure { get; private set; }

    /// <summary>Whether it was ever started (so a worker that is not running has stopped, or died).</summary>
    internal bool WasStarted => Volatile.Read(ref _drained) is not null;

    /// <summary>Completes when the loops of the last start have all ended (stopped, or died): what tests await instead of sleeping.</summary>
    internal Task Completion => Volatile.Read(ref _drained) ?? Task.CompletedTask;

    /// <summary>Requests taken and not finished yet.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Starts taking requests; does nothing if already started.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_started)
                return;
            // Cleared before the loops start: one may fail at once, before Start returns.
            Failure = null;
            var done = _queues.Select(queue =>
            {
                var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                // A request is taken only when a slot is free, so the queue's own bound holds; the
                // slot is freed when the refresh's task ends, not when a timeout gives up on it.
                var slots = new SemaphoreSlim(_options.MaxConcurrency);
                async Task<RefreshResult> Run(RefreshRequest request, CancellationToken cancellationToken)
                {
                    // A child of the take span that handed the request over, named explicitly: a
                    // refresh the pipeline had to hold back starts on another request's thread.
                    using var activity = CachebackTracing.Start(CachebackTracing.Refresh, request, ActivityKind.Internal,
                        _inFlight.TryGetValue(request, out var take) ? take : default);
                    try
                    {
                        var result = await _dispatch(request, cancellationToken).ConfigureAwait(false);
                        activity.Ended(result);
                        return result;
                    }
                    catch (Exception e)
                    {
                        // Cancelled: the pipeline gave up on it (timeout) or the worker stopped.
                        activity.Failed(e, cancellationToken.IsCancellationRequested ? "cancelled" : "failed");
                        throw;
                    }
                    finally
                    {
                        slots.Release();
                    }
                }

                var requests = Take(queue, slots).TakeUntil(_stop).Do(r => _inFlight.TryAdd(r, Activity.Current?.Context ?? default));
                _subscriptions.Add(RefreshPipeline.Run(requests, Run, _options, _scheduler, _timeoutFor)
                    .Do(o =>
                    {
                        _inFlight.TryRemove(o.Request, out var unused);
                        if (o.Result == RefreshResult.Duplicate)
                            slots.Release(); // never dispatched
                    })
                    .SelectMany(async outcome =>
                    {
                        await _complete(queue, outcome).ConfigureAwait(false);
                        Interlocked.Increment(ref _completed);
                        return outcome;
                    })
                    .Subscribe(Emit, e =>
                    {
                        Failure = e;
                        Log.WorkerFailed(_logger, e);
                        finished.TrySetResult();
                    }, finished.SetResult));
                return finished.Task;
            }).ToArray();
            _drained = Task.WhenAll(done);
            Volatile.Write(ref _loops, done);
            _started = true;
        }
    }

    private IObservable<RefreshRequest> Take(IRefreshQueue queue, SemaphoreSlim slots) =>
        Observable.Create<RefreshRequest>(async (observer, cancellationToken) =>
        {
            // The loop outlives whatever span started the worker (a web request that first resolved
            // the runtime, say): each take starts a trace of its own.
            Activity.Current = null;
            try
            {
                while (true)
                {
                    await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (await queue.TakeAsync(cancellationToken).ConfigureAwait(false) is not { } request)
                        break;
                    // Current while the request is handed to the pipeline: take and refresh are one trace.
                    using (var take = CachebackTracing.Start(CachebackTracing.Take, request, ActivityKind.Consumer))
                    {
                        take.Ended("taken");
                        observer.OnNext(request);
                    }
                }

                observer.OnCompleted();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped: nothing more to take.
            }
            catch (Exception e)
            {
                Failure = e;
                Log.WorkerFailed(_logger, e);
                observer.OnCompleted();
            }
        });

    /// <summary>Passes an outcome on; subscribers are isolated by <see cref="Outcomes"/>, so this never throws into the pipeline.</summary>
    private void Emit(RefreshOutcome outcome) => _outcomes.OnNext(outcome);

    /// <summary>
    /// Stops taking requests and waits up to <paramref name="drainTimeout"/> for the running ones;
    /// cancels what is left, and reports (and logs) everything that did not finish.
    /// </summary>
    public async Task<DrainReport> StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        Task drained;
        lock (_gate)
        {
            if (_drained is null || !_started)
                return new DrainReport(0, [], LeftInQueues());
            _started = false;
            drained = _drained;
        }

        var before = Volatile.Read(ref _completed);
        _stop.OnNext(Unit.Default);
        try
        {
            await drained.WaitAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Out of time: what still runs is abandoned.
        }

        var abandoned = _inFlight.Keys.ToArray();
        CancelAll();
        var report = new DrainReport(Volatile.Read(ref _completed) - before, abandoned, LeftInQueues());
        if (report.IsClean)
            Log.WorkerDrained(_logger, report.Completed);
        else
            Log.WorkerDropped(_logger, report.Completed, abandoned.Length, report.LeftInQueue,
                string.Join(", ", abandoned.Take(20).Select(r => $"{r.Job}:{r.Key}")));
        return report;
    }

    /// <summary>Stops at once, cancelling whatever runs.</summary>
    public void Dispose()
    {
        lock (_gate)
            _started = false;
        CancelAll();
        _outcomes.OnCompleted();
        _outcomes.Dispose();
        _stop.Dispose();
    }

    private void CancelAll()
    {
        lock (_gate)
        {
            foreach (var subscription in _subscriptions)
                subscription.Dispose();
            _subscriptions.Clear();
            _inFlight.Clear();
        }
    }

    private int LeftInQueues() => _queues.OfType<InProcessQueue>().Sum(q => q.Count);
}
