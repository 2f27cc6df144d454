namespace Cacheback;

/// <summary>Carries refresh requests from readers to a refresh worker, in this process or another.</summary>
public interface IRefreshQueue
{
    /// <summary>Adds a request.</summary>
    /// <exception cref="RefreshQueueUnavailableException">The queue cannot take it (full, or unreachable).</exception>
    ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the next request, waiting until there is one; null once the queue is closed and empty.
    /// The worker takes a request only when it has room to run it, so a queue's bound holds.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken);

    /// <summary>Told of each request's outcome, so that a reliable queue can acknowledge or dead-letter it.</summary>
    ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether a request put here may be taken by another process (a worker built from another
    /// commit, say): then the jobs whose refreshes go here must have names of their own, since a
    /// generated name (a lambda's) changes when the code is edited.
    /// </summary>
    /// <value>Default true: a queue is taken to be shared unless it says it is not (<see cref="InProcessQueue"/>).</value>
    bool IsShared => true;
}
