using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// What an <see cref="L1Partition{T}"/> tells the shared store beneath it about a write it makes, and
/// learns back: which node writes (so that the node ignores its own invalidation), and whether the
/// store announced the write itself (a <see cref="RedisStore"/> does, in the same script as the
/// write; then the partition does not publish a second message).
/// </summary>
/// <remarks>
/// It travels in an <see cref="AsyncLocal{T}"/> rather than through <see cref="IEnvelopeStore{T}"/>,
/// so that it reaches the Redis store through any store that wraps it.
/// </remarks>
internal sealed class L1WriteContext(string node, string channel, IConnectionMultiplexer connection)
{
    private static readonly AsyncLocal<L1WriteContext?> Ambient = new();
    private int _announced;

    /// <summary>The write under way in this async flow, if an L1 makes it.</summary>
    public static L1WriteContext? Current => Ambient.Value;

    /// <summary>The writing node's id in its invalidations.</summary>
    public string Node { get; } = node;

    /// <summary>Whether the store published the invalidation the L1's nodes listen to.</summary>
    public bool Announced => Volatile.Read(ref _announced) == 1;

    /// <summary>Whether a store publishing on <paramref name="channelName"/> over <paramref name="on"/> reaches this L1's nodes.</summary>
    public bool Hears(string channelName, IConnectionMultiplexer on) =>
        string.Equals(channelName, channel, StringComparison.Ordinal) && ReferenceEquals(on, connection);

    /// <summary>Said by the store once its write published the invalidation.</summary>
    public void MarkAnnounced() => Volatile.Write(ref _announced, 1);

    /// <summary>Makes this the current write until the scope is disposed.</summary>
    public Scope Enter()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Scope(previous);
    }

    public readonly struct Scope(L1WriteContext? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
