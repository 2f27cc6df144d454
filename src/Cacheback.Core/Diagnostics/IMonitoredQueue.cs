namespace Cacheback;

/// <summary>
/// A queue that can tell its gauges without blocking: an observable gauge's callback runs on the
/// collector's thread and must not wait for a server, so a remote queue answers with what it last
/// sampled (and starts the next sample).
/// </summary>
internal interface IMonitoredQueue
{
    /// <summary>Requests waiting to be taken; null while not known.</summary>
    long? Depth { get; }

    /// <summary>Requests in the dead letters; null when the queue keeps none, or while not known.</summary>
    long? DeadLetters { get; }
}
