namespace Cacheback;

/// <summary>What a write stores (<see cref="Decide.Store{T}"/>): the envelope, for how long, and over which version; <see cref="Effect{T}.Store"/> without the object.</summary>
/// <param name="Envelope">The envelope to write.</param>
/// <param name="Ttl">How long the store keeps it: the cache TTL.</param>
/// <param name="ExpectedVersion">Write only over this version (0: only where nothing is stored); null: unconditionally.</param>
internal readonly record struct StoreWrite<T>(Envelope<T> Envelope, TimeSpan Ttl, long? ExpectedVersion);
