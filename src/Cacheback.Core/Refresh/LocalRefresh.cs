using System.Diagnostics;

namespace Cacheback;

/// <summary>
/// The in-process work a request in the <see cref="LocalLane"/> carries: how to run it, how long it
/// may run (the pipeline times it, as any refresh), and the task of its one outcome for whoever
/// queued it. It is never serialized: it holds a closure, so it cannot leave the process.
/// </summary>
internal sealed class LocalRefresh
{
    private readonly Func<CancellationToken, Task<RefreshResult>> _run;
    private readonly TaskCompletionSource<RefreshOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="run">Runs the refresh; throws when the fetch fails. Its token is cancelled at the timeout.</param>
    /// <param name="timeout">How long it may run before the pipeline reports it <see cref="RefreshResult.TimedOut"/> and cancels it.</param>
    public LocalRefresh(Func<CancellationToken, Task<RefreshResult>> run, TimeSpan timeout)
    {
        _run = run;
        Timeout = timeout;
        // The refresh span is the child of whatever queued it (a read's claim, an invalidation), as a
        // refresh run on the caller's own thread would have been.
        QueuedIn = Activity.Current?.Context ?? default;
    }

    /// <summary>How long it may run.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The span that was current when it was queued.</summary>
    public ActivityContext QueuedIn { get; }

    /// <summary>Its outcome, once the pipeline has one (or the lane dropped it).</summary>
    public Task<RefreshOutcome> Outcome => _outcome.Task;

    /// <summary>Runs it (the lane's pipeline calls this).</summary>
    public Task<RefreshResult> RunAsync(CancellationToken cancellationToken) => _run(cancellationToken);

    /// <summary>Hands its outcome to whoever waits; the first one given is kept.</summary>
    public void Complete(RefreshOutcome outcome) => _outcome.TrySetResult(outcome);
}
