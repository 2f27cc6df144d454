using System.Buffers.Binary;

namespace Cacheback.Hybrid;

/// <summary>
/// Tag states in the shared store (Redis), one small envelope per tag in a partition of their own:
/// every node reads the same counters, and a store with an L1 in front (<c>L1Store</c>) keeps them
/// in memory, invalidated across nodes by its pub/sub like any other key. A bump is a
/// compare-and-set loop on the store's version, so two nodes invalidating at once both count.
/// </summary>
internal sealed class StoreTagBook : ITagBook
{
    /// <summary>The partition's name: never a valid HybridCache partition (those start with "hybrid/").</summary>
    public const string PartitionName = "hybrid.tags";
    private const int MaxAttempts = 64;
    private readonly IEnvelopeStore<TagState> _store;
    private readonly Clock _clock;
    private readonly TimeSpan _retention;

    public StoreTagBook(ICacheStore store, Clock clock, TimeSpan retention, Action<string, DecodeError, string> onUnreadable)
    {
        _store = store.Partition(new PartitionSpec<TagState>(PartitionName, TagStateSerializer.Instance, onUnreadable));
        _clock = clock;
        _retention = retention;
    }

    public ValueTask<TagState> ReadAsync(string tag, CancellationToken cancellationToken)
    {
        var read = _store.ReadAsync(tag, cancellationToken);
        return read.IsCompletedSuccessfully ? new(read.Result?.RawValue ?? default) : Slow(read);

        static async ValueTask<TagState> Slow(ValueTask<Envelope<TagState>?> read) => (await read.ConfigureAwait(false))?.RawValue ?? default;
    }

    public async ValueTask BumpAsync(string tag, bool remove, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await _store.ReadAsync(tag, cancellationToken).ConfigureAwait(false);
            var now = _clock.NowMs();
            var next = Envelope.FromMs(Envelope.NewVersion(), true, (stored?.RawValue ?? default).Bumped(remove), now, EnvelopeTime.Add(now, (long)_retention.TotalMilliseconds), 0);
            if (await _store.CompareAndSetAsync(tag, stored?.Version ?? 0, next, _retention, cancellationToken).ConfigureAwait(false))
                return;
        }

        throw new InvalidOperationException($"The tag '{tag}' could not be invalidated: {MaxAttempts} other invalidations of it landed first.");
    }

    /// <summary>Two big-endian 64-bit numbers.</summary>
    private sealed class TagStateSerializer : IPayloadSerializer<TagState>
    {
        public static readonly TagStateSerializer Instance = new();

        public byte[] Serialize(TagState value)
        {
            var bytes = new byte[16];
            BinaryPrimitives.WriteInt64BigEndian(bytes, value.Version);
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), value.RemovedAt);
            return bytes;
        }

        public TagState Deserialize(ReadOnlySpan<byte> bytes) =>
            bytes.Length == 16
                ? new(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt64BigEndian(bytes[8..]))
                : throw new FormatException($"A tag state is 16 bytes, not {bytes.Length}.");
    }
}
