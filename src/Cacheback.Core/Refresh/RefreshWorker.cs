using System.Diagnostics;
using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Drains refresh queues through the refresh pipeline, one pipeline per queue, taking a request
/// only when a slot is free, and tells each queue its requests' outcomes. It never stops while it
/// is meant to run: what one request throws is that request's failure; a take that throws is
/// logged and tried again after a backoff. Stopping it drains: it takes no new requests, lets the
/// running ones finish within a bounded time, then cancels the rest and reports them.
/// </summary>
/// <remarks>
/// It drains the runtime's local lane too (the refreshes that must run in this process: a job's
/// when its queue refused it, a HybridCache factory's), through a pipeline of its own, and that one
/// from the runtime's start, even when it is not started to drain the queues. Stopping it drains
/// the lane as it drains a queue.
/// </remarks>
public sealed class RefreshWorker : IDisposable
{
    private readonly IReadOnlyList<IRefreshQueue> _queues;
    private readonly Func<RefreshRequest, CancellationToken, Task<RefreshResult>> _dispatch;
    private readonly RefreshPipelineOptions _options;
    private readonly TimeProviderScheduler _scheduler;
    private readonly Func<IRefreshQueue, RefreshOutcome, Task> _complete;
    private readonly Func<RefreshRequest, TimeSpan?>? _timeoutFor;
    private readonly LocalLane _lane;
    private readonly ILogger _logger;
    private readonly Subject<RefreshOutcome> _outcomes = new();
    private readonly RefreshesInFlight _inFlight = new();
    private readonly object _gate = new();
    private readonly QueueTakes _takes;
    private WorkerStart? _running;
    private int _completed;

    internal RefreshWorker(
        IReadOnlyList<IRefreshQueue> queues,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> dispatch,
        RefreshPipelineOptions options,
        TimeProviderScheduler scheduler,
        Func<IRefreshQueue, RefreshOutcome, Task> complete,
        ILogger logger,
        Func<RefreshRequest, TimeSpan?>? timeoutFor = null,
        LocalLane? lane = null)
    {
        options.Validate();
        _timeoutFor = timeoutFor;
        _lane = lane ?? new LocalLane();
        _queues = queues;
        _dispatch = dispatch;
        _options = options;
        _scheduler = scheduler;
        _complete = complete;
        _logger = logger;
        _takes = new QueueTakes(scheduler, logger);
    }

    /// <summary>Each outcome, as the pipelines finish them. A subscriber that throws is logged; the others still get every outcome.</summary>
    public IObservable<RefreshOutcome> Outcomes => Observable.Create<RefreshOutcome>(observer => _outcomes.Subscribe(
        outcome =>
        {
            try
            {
                observer.OnNext(outcome);
            }
#pragma warning disable CA1031 // A subscriber's exception is logged: it must not stop the worker.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ObserverFailed(_logger, e);
            }
        },
        observer.OnError,
        observer.OnCompleted));

    /// <summary>
    /// Whether it is taking requests: started, not stopped, and the loop of every queue still going
    /// (a loop that could not go on, or whose queue was closed, makes it false).
    /// </summary>
    public bool IsRunning => Volatile.Read(ref _running) is { Stopping: false, DrainsQueues: true } running
        && Array.TrueForAll(running.Loops, loop => !loop.IsCompleted) && !running.Lane.IsCompleted;

    /// <summary>What stopped a queue's loop, when an error did; null otherwise.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Why the last take failed, while takes keep failing (the loop goes on, with backoff); null
    /// once a take succeeds. A worker whose queue cannot be read is running, but not draining.
    /// </summary>
    public Exception? TakeFailure => _takes.Failure;

    /// <summary>Whether it was ever started (so a worker that is not running has stopped, or died).</summary>
    public bool WasStarted { get; private set; }

    /// <summary>Completes when the loops of the last start have all ended (stopped, or died): what tests await instead of sleeping.</summary>
    internal Task Completion => Volatile.Read(ref _running)?.Drained ?? Task.CompletedTask;

    /// <summary>Requests taken and not finished yet (the local lane's too).</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Starts taking requests (from the queues and the local lane); does nothing if already started.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_running is { Stopping: false, DrainsQueues: true })
                return;
            // Cleared before the loops start: one may fail at once, before Start returns.
            Failure = null;
            WasStarted = true;
            // The lane may be drained already (the runtime starts that with itself): the queues join it.
            var running = _running is { Stopping: false } lane ? lane : DrainingLane();
            running.Loops = [.. _queues.Select(queue => Drain(queue, running))];
            running.Drained = Task.WhenAll(running.Loops.Append(running.Lane));
            running.DrainsQueues = true;
            Volatile.Write(ref _running, running);
        }
    }

    /// <summary>
    /// Starts draining the local lane only (the refreshes that must run in this process: a job's that
    /// its queue refused, a HybridCache factory's), unless it is drained already. A runtime does this
    /// as it starts, so that those refreshes run even where the queues are drained by other
    /// processes; a host that stopped the worker calls it when it starts again.
    /// <see cref="Start"/> adds the queues; <see cref="StopAsync"/> stops both.
    /// </summary>
    public void StartLocalLane()
    {
        lock (_gate)
        {
            if (_running is { Stopping: false })
                return;
            Volatile.Write(ref _running, DrainingLane());
        }
    }

    /// <summary>A new start with the lane's loop going (the caller holds the gate).</summary>
    private WorkerStart DrainingLane()
    {
        var running = new WorkerStart();
        _lane.Accept();
        running.Lane = DrainLane(running);
        running.Drained = running.Lane;
        return running;
    }

    /// <summary>
    /// Stops taking requests and waits up to <paramref name="drainTimeout"/> (on the runtime's
    /// clock) for the running ones; cancels what is left, and reports (and logs) everything that
    /// did not finish.
    /// </summary>
    public async Task<DrainReport> StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        WorkerStart running;
        lock (_gate)
        {
            if (_running is not { Stopping: false } current)
                return new DrainReport(0, [], LeftInQueues());
            current.Stopping = true;
            running = current;
            // From now on a refresh that must run here is refused (and logged by whoever asked), not left
            // waiting; under the gate, so that a start racing this stop is not refused by it.
            _lane.Refuse();
        }

        var before = Volatile.Read(ref _completed);
        running.StopTaking.Cancel();
        try
        {
            await running.Drained.WaitAsync(drainTimeout, _scheduler.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Out of time: what still runs is abandoned.
        }

        var abandoned = _inFlight.Snapshot();
        running.Abandon.Cancel();
        // Whoever waits on a local refresh learns it will not end; what waits in the lane never runs.
        DropLocal(abandoned, "the refresh worker stopped before it ended");
        var dropped = _lane.Stopped("the refresh worker stopped before it ran");
        var report = new DrainReport(Volatile.Read(ref _completed) - before, abandoned, LeftInQueues() + dropped);
        if (report.IsClean)
            Log.WorkerDrained(_logger, report.Completed);
        else
            Log.WorkerDropped(_logger, report.Completed, abandoned.Count, report.LeftInQueue,
                string.Join(", ", abandoned.Take(20).Select(r => $"{r.Job}:{r.Key}")));
        return report;
    }

    /// <summary>Stops at once, cancelling whatever runs.</summary>
    public void Dispose()
    {
        WorkerStart? running;
        lock (_gate)
        {
            running = _running;
            if (running is not null)
                running.Stopping = true;
            _lane.Refuse();
        }

        if (running is not null)
        {
            running.StopTaking.Cancel();
            running.Abandon.Cancel();
            DropLocal(_inFlight.Snapshot(), "the runtime was disposed before it ended");
        }

        if (_lane.Stopped("the runtime was disposed before it ran") is > 0 and var dropped)
            Log.QueueDropped(_logger, dropped);

        _outcomes.OnCompleted();
        _outcomes.Dispose();
    }

    /// <summary>The loop of one queue: ends when the queue closes, when stopped (after the running refreshes), or when abandoned.</summary>
    private Task Drain(IRefreshQueue queue, WorkerStart running) =>
        Loop(queue, slots => _takes.From(queue, slots, running.StopTaking.Token).InTakeSpans(), Refresh, _timeoutFor, running);

    /// <summary>
    /// The loop of the local lane: as a queue's, but each request carries its work and its timeout,
    /// and is not taken in a span of its own (it crossed no queue): its refresh is the child of
    /// whatever queued it. It shares the record of what runs with the queues' loops, so a claim
    /// refreshed here and the same claim taken from a queue run once.
    /// </summary>
    private Task DrainLane(WorkerStart running) =>
        Loop(_lane, slots => _takes.From(_lane, slots, running.StopTaking.Token), RefreshHere, request => request.Local?.Timeout, running);

    private Task Loop(
        IRefreshQueue queue,
        Func<IObservable<Unit>, IObservable<RefreshRequest>> requestsFor,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh,
        Func<RefreshRequest, TimeSpan?>? timeoutFor,
        WorkerStart running) =>
        RefreshPipeline.Pull(requestsFor, refresh, _scheduler, _options, timeoutFor, _inFlight)
            .SelectMany(async outcome =>
            {
                await Acknowledge(queue, outcome).ConfigureAwait(false);
                return outcome;
            })
            .Do(_outcomes.OnNext)
            .IgnoreElements()
            .Catch((Exception e) =>
            {
                // Only a fault of the worker's own gets here (everything a request or a take throws is handled where it happens).
                Failure = e;
                Log.WorkerFailed(_logger, e);
                // Nothing drains the lane any more: it refuses, and lets go whoever waits on it.
                if (queue is LocalLane lane)
                    lane.Stopped($"the local lane's loop failed ({e.GetType().Name}: {e.Message})");
                return Observable.Empty<RefreshOutcome>();
            })
            .DefaultIfEmpty()
            .ToTask(running.Abandon.Token);

    /// <summary>Runs one request with the job it names, in a span that is the child of the take that handed it over.</summary>
    private Task<RefreshResult> Refresh(RefreshRequest request, CancellationToken cancellationToken) =>
        CachebackTracing.RefreshTraced(request, _inFlight.TakenIn(request), here: false, _dispatch, cancellationToken);

    /// <summary>Runs one request of the local lane: the work it carries, in a span that is the child of whatever queued it.</summary>
    private Task<RefreshResult> RefreshHere(RefreshRequest request, CancellationToken cancellationToken) =>
        request.Local is { } local
            ? CachebackTracing.RefreshTraced(request, local.QueuedIn, here: true, (_, token) => local.RunAsync(token), cancellationToken)
            : Task.FromException<RefreshResult>(new InvalidOperationException($"A request in the local lane carries no work: {request.Job} '{request.Key}'."));

    /// <summary>Tells the queue (and the runtime) an outcome; what that throws is logged, never the worker's end.</summary>
    private async Task Acknowledge(IRefreshQueue queue, RefreshOutcome outcome)
    {
        try
        {
            await _complete(queue, outcome).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A queue that cannot acknowledge will redeliver: log it and carry on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.AcknowledgeFailed(_logger, outcome.Request.Job, outcome.Request.Key, outcome.Result, e);
        }

        Interlocked.Increment(ref _completed);
    }

    private int LeftInQueues() => _queues.OfType<InProcessQueue>().Sum(q => q.Count) + _lane.Count;

    /// <summary>Tells whoever waits on the local ones among <paramref name="requests"/> that they will not end.</summary>
    private static void DropLocal(IEnumerable<RefreshRequest> requests, string why)
    {
        foreach (var request in requests)
            LocalLane.Dropped(request, why);
    }
}
