namespace Cacheback;

/// <summary>
/// A store shared by many jobs (the in-memory default, Redis, ...). Each job works in its own
/// partition, so keys of different jobs never collide.
/// </summary>
public interface ICacheStore
{
    /// <summary>The partition of the job <paramref name="spec"/> names, typed for its values.</summary>
    IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec);
}
