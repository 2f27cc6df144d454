namespace Cacheback;

/// <summary>What <see cref="Decide.Write{T}"/> says to store: the envelope, for how long, and over which version.</summary>
/// <param name="Envelope">The envelope to write.</param>
/// <param name="Ttl">How long the store keeps it: the cache TTL.</param>
/// <param name="ExpectedVersion">Write only over this version (0: only where nothing is stored); null: unconditionally.</param>
internal readonly record struct StoreWrite<T>(Envelope<T> Envelope, TimeSpan Ttl, long? ExpectedVersion);
