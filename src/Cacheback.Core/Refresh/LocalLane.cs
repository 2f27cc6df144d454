using System.Threading.Channels;

namespace Cacheback;

/// <summary>
/// The runtime's local lane: refreshes that must run in this process, waiting for the refresh
/// pipeline. A job's refresh whose queue refused it (down, or full) and a HybridCache refresh whose
/// factory is a closure go here, each request carrying its work (<see cref="LocalRefresh"/>). The
/// runtime's worker drains the lane as it drains a queue, through the same pipeline (the same dedupe
/// per claim, the same timeout on the runtime's clock, a <c>Merge(MaxConcurrency)</c> of its own the only bound on it, as each queue's pipeline has its own),
/// and it drains it even when it does not drain the queues (<see cref="CachebackRuntimeOptions.RunRefreshWorker"/>
/// false: the queues' workers run elsewhere, the fallbacks of this process still run here).
/// </summary>
/// <remarks>
/// Bounded, and never waits: a full lane, or one whose worker has stopped, refuses. Whoever queued the
/// refresh logs that, and the refresh is dropped: its claim's lease runs out, and the next read after
/// it claims again. Stopping the worker drops what still waits (each one's outcome says so).
/// </remarks>
internal sealed class LocalLane : IRefreshQueue
{
    /// <summary>How many refreshes may wait unless told otherwise: as many as the in-process queue's default.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Channel<RefreshRequest> _channel;
    private readonly object _gate = new();
    private bool _refusing;

    // Set when the worker's start that drains the lane ends (stopped, disposed, or its loop failed), with why:
    // whoever still waits on a refresh of that start is let go with a dropped outcome, whatever race kept
    // its outcome from being reported (a take that landed as the loop was stopping, say). A new one per start.
    private TaskCompletionSource<string> _stopped = NewStop();

    /// <summary>Creates a lane where at most <paramref name="capacity"/> refreshes may wait.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public LocalLane(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _channel = Channel.CreateBounded<RefreshRequest>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>How many refreshes may wait.</summary>
    public int Capacity { get; }

    /// <summary>How many refreshes wait.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>False: nothing here ever leaves the process.</summary>
    public bool IsShared => false;

    /// <summary>
    /// Queues <paramref name="request"/> to run <paramref name="run"/> in this process within
    /// <paramref name="timeout"/>: the task of its one outcome, or null when the lane refuses it
    /// (full, or its worker stopped); the caller logs that, and the refresh is dropped.
    /// </summary>
    public Task<RefreshOutcome>? TryRun(RefreshRequest request, Func<CancellationToken, Task<RefreshResult>> run, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(run);
        var local = new LocalRefresh(run, timeout);
        var queued = request with { Local = local };
        Task<string> stopped;
        lock (_gate)
        {
            if (_refusing || !_channel.Writer.TryWrite(queued))
                return null;
            stopped = _stopped.Task;
        }

        return OutcomeOrDropped(queued, local, stopped);
    }

    /// <summary>The refresh's outcome, or, once the start that should have run it has ended without one, a dropped outcome: nobody waits forever.</summary>
    private static async Task<RefreshOutcome> OutcomeOrDropped(RefreshRequest request, LocalRefresh local, Task<string> stopped)
    {
        if (await Task.WhenAny(local.Outcome, stopped).ConfigureAwait(false) != local.Outcome)
            Dropped(request, await stopped.ConfigureAwait(false));
        return await local.Outcome.ConfigureAwait(false);
    }

    /// <summary>Queues a request that carries its work already (<see cref="TryRun"/> makes them).</summary>
    /// <exception cref="ArgumentException">The request carries no work: only the lane's own requests go here.</exception>
    /// <exception cref="RefreshQueueUnavailableException">The lane is full, or its worker stopped.</exception>
    public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Local is null)
            throw new ArgumentException($"The local lane runs only requests that carry their work; {request.Job} '{request.Key}' carries none.", nameof(request));
        lock (_gate)
        {
            if (_refusing || !_channel.Writer.TryWrite(request))
                throw new RefreshQueueUnavailableException($"The local refresh lane is full ({Capacity} refreshes waiting) or its worker has stopped.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_channel.Reader.TryRead(out var request))
                return request;
        }

        return null;
    }

    /// <summary>Hands the outcome to whoever queued the refresh.</summary>
    public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.Request.Local?.Complete(outcome);
        return ValueTask.CompletedTask;
    }

    /// <summary>Takes refreshes again (its worker started).</summary>
    public void Accept()
    {
        lock (_gate)
        {
            _refusing = false;
            if (_stopped.Task.IsCompleted)
                _stopped = NewStop();
        }
    }

    /// <summary>Refuses every refresh from now on (its worker is stopping), until <see cref="Accept"/>.</summary>
    public void Refuse()
    {
        lock (_gate)
            _refusing = true;
    }

    /// <summary>Drops the refreshes still waiting, each with an outcome that says <paramref name="why"/>: how many.</summary>
    public int DropWaiting(string why)
    {
        var dropped = 0;
        while (_channel.Reader.TryRead(out var request))
        {
            Dropped(request, why);
            dropped++;
        }

        return dropped;
    }

    /// <summary>
    /// The start that drains the lane has ended (its worker stopped, or its loop failed): refuses, drops
    /// what still waits, and lets go whoever still waits on a refresh of that start. How many were dropped.
    /// </summary>
    public int Stopped(string why)
    {
        TaskCompletionSource<string> stopped;
        lock (_gate)
        {
            _refusing = true;
            stopped = _stopped;
        }

        var dropped = DropWaiting(why);
        stopped.TrySetResult(why);
        return dropped;
    }

    private static TaskCompletionSource<string> NewStop() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A refresh that will not run: its outcome, failed with why, for whoever waits on it.</summary>
    public static void Dropped(RefreshRequest request, string why) =>
        request.Local?.Complete(new RefreshOutcome(request, RefreshResult.Failed, TimeSpan.Zero,
            new OperationCanceledException($"The refresh of {request.Job} '{request.Key}' did not run to its end: {why}.")));
}
