using System.Buffers.Binary;

namespace Cacheback;

/// <summary>
/// Tag states in the shared store (Redis), one small envelope per tag in a partition of their own:
/// every node reads the same counters, and a store with an L1 in front (<c>L1Store</c>) keeps them
/// in memory, invalidated across nodes by its pub/sub like any other key. A bump is a
/// compare-and-set loop on the store's version, so two nodes invalidating at once both count.
/// </summary>
internal sealed class StoreTagBook : ITagBook
{
    /// <summary>The partition's name, the same for every job and HybridCache on the store (Redis keys <c>{prefix}cacheback.tags:{tag}</c>).</summary>
    public const string PartitionName = "cacheback.tags";
    private const int MaxAttempts = 64;
    private readonly IEnvelopeStore<TagState> _store;
    private readonly Clock _clock;
    private readonly TimeSpan _retention;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _creating = new(StringComparer.Ordinal);

    public StoreTagBook(ICacheStore store, Clock clock, TimeSpan retention, Action<string, DecodeError, string> onUnreadable)
    {
        _store = store.Partition(new PartitionSpec<TagState>(PartitionName, TagStateSerializer.Instance, onUnreadable));
        _clock = clock;
        _retention = retention;
    }

    public ValueTask<TagState> ReadAsync(string tag, CancellationToken cancellationToken)
    {
        var read = _store.ReadAsync(tag, cancellationToken);
        return read.IsCompletedSuccessfully ? new(Found(tag, read.Result)) : Slow(this, tag, read);

        static async ValueTask<TagState> Slow(StoreTagBook self, string tag, ValueTask<Envelope<TagState>?> read) =>
            self.Found(tag, await read.ConfigureAwait(false));
    }

    /// <summary>
    /// A tag never invalidated has no key: an L1 does not remember absence, so every read of it
    /// would go to Redis. Its first reader here writes its zero state (only over nothing), which
    /// the L1 then keeps like any other key.
    /// </summary>
    private TagState Found(string tag, Envelope<TagState>? stored)
    {
        if (stored is not null)
            return stored.RawValue;
        if (_creating.TryAdd(tag, 0))
            _ = CreateAsync(tag);
        return default;
    }

    private async Task CreateAsync(string tag)
    {
        try
        {
            var now = _clock.NowMs();
            var zero = Envelope.FromMs(Envelope.NewVersion(), true, default(TagState), now, EnvelopeTime.Add(now, (long)_retention.TotalMilliseconds), 0);
            await _store.CompareAndSetAsync(tag, 0, zero, _retention).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Only a cache of absence failed: the next read that finds nothing tries again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            _creating.TryRemove(tag, out _);
        }
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
