namespace Cacheback;

/// <summary>
/// A partition whose read is one pending I/O (a Redis GET) followed by synchronous work on what it
/// returned (the decode). The executor awaits the I/O itself and then opens it, so a remote hit
/// runs one state machine of Cacheback's instead of two: each await layer is a continuation hop
/// and a pooled box, which with 64 concurrent callers on a busy connection is measurable CPU
/// against a raw GET (benchmarks/results/2026-11-30-redis.md).
/// </summary>
/// <remarks>
/// <see cref="StartRead"/> then <see cref="OpenRead"/> must give what
/// <see cref="IEnvelopeStore{T}.ReadAsync"/> gives: the same envelope, the same exceptions.
/// </remarks>
/// <typeparam name="T">The cached value's type.</typeparam>
internal interface ISplitRead<T>
{
    /// <summary>Starts reading <paramref name="key"/>; throws what starting throws (a cancelled token).</summary>
    Task StartRead(string key, CancellationToken cancellationToken);

    /// <summary>
    /// The envelope that <paramref name="started"/>, a completed task from <see cref="StartRead"/>
    /// for <paramref name="key"/>, read; throws the read's own exception if it failed.
    /// </summary>
    Envelope<T>? OpenRead(Task started, string key);
}
