namespace Cacheback;

/// <summary>
/// A request to refresh one key of one job, as it travels through a queue. The job is named, never
/// typed: a worker finds it in its registry, and drops (and logs) a name it does not know.
/// </summary>
/// <param name="Job">The job's registered name.</param>
/// <param name="Key">The key within the job's partition.</param>
/// <param name="ExpectedVersion">The version the claim wrote; the refresh is stored only if it is still there. Null: store unconditionally.</param>
/// <param name="Arguments">The job's arguments, encoded by the job's argument serializer.</param>
/// <param name="EnqueuedAt">When it was enqueued.</param>
/// <param name="Attempt">1 for the first delivery; more for a redelivery.</param>
public sealed record RefreshRequest(string Job, string Key, long? ExpectedVersion, byte[] Arguments, DateTimeOffset EnqueuedAt, int Attempt = 1)
{
    /// <summary>
    /// The work of a request in the runtime's <see cref="LocalLane"/>: it runs in this process, as it
    /// is, and is never written anywhere (a queue's codec writes the public fields only), so a request
    /// read from a queue never has one and no code is ever found from what a message says.
    /// </summary>
    internal LocalRefresh? Local { get; init; }
}
