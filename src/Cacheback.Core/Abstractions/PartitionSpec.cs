namespace Cacheback;

/// <summary>What a store needs to know to hold one job's envelopes.</summary>
/// <param name="Job">The job's registered name; a partition per name.</param>
/// <param name="Serializer">How values become bytes, for stores that keep bytes.</param>
/// <param name="OnUnreadable">Told of every stored value that could not be read (key, why, detail); the read then returns null.</param>
public sealed record PartitionSpec<T>(string Job, IPayloadSerializer<T> Serializer, Action<string, DecodeError, string> OnUnreadable);
