namespace Cacheback;

/// <summary>Carries refresh requests from readers to the refresh pipeline, in this process or on a worker.</summary>
public interface IRefreshQueue
{
    /// <summary>Adds a request.</summary>
    /// <exception cref="RefreshQueueUnavailableException">The queue cannot take it (full, or unreachable).</exception>
    ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default);

    /// <summary>The requests, delivered to the subscriber (one consumer per queue instance).</summary>
    IObservable<RefreshRequest> Requests { get; }

    /// <summary>Told of each request's outcome, so that a reliable queue can acknowledge or dead-letter it.</summary>
    ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default);
}
