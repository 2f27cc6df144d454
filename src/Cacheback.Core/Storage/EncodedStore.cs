namespace Cacheback;

/// <summary>
/// An <see cref="ICacheStore"/> over an <see cref="IBinaryStore"/>: envelopes are encoded in
/// Cacheback's envelope format (MessagePack) under the key <c>{prefix}{job}:{key}</c>. Bytes that do not decode
/// are reported to the partition's <see cref="PartitionSpec{T}.OnUnreadable"/> and read as null.
/// </summary>
public sealed class EncodedStore : ICacheStore, IBoundedStore, IStoreLayer
{
    private readonly IBinaryStore _bytes;
    private readonly string _prefix;

    /// <summary>The bound of the bytes underneath, when they are a bounded memory store.</summary>
    MemoryBounds? IBoundedStore.Bounds => (_bytes as IBoundedStore)?.Bounds;

    /// <summary>The bytes underneath, whose clock (<see cref="IStoreClock"/>), if they keep one, is the runtime's.</summary>
    object IStoreLayer.Inner => _bytes;

    /// <summary>Creates the store.</summary>
    /// <param name="bytes">Where the bytes live.</param>
    /// <param name="keyPrefix">Prepended to every key (an application's namespace in a shared backend).</param>
    /// <param name="maxPayloadBytes">Larger payloads are refused when written (<see cref="PayloadTooLargeException"/>), and unreadable (a miss, not loaded) when found.</param>
    public EncodedStore(IBinaryStore bytes, string keyPrefix = "", int maxPayloadBytes = EnvelopeCodec.DefaultMaxPayloadBytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayloadBytes);
        _bytes = bytes;
        _prefix = keyPrefix;
        MaxPayloadBytes = maxPayloadBytes;
    }

    /// <summary>The largest payload written or read: a write over it throws <see cref="PayloadTooLargeException"/>, a read over it is a miss.</summary>
    public int MaxPayloadBytes { get; }

    /// <summary>
    /// The version of the envelope in <paramref name="bytes"/>, read from its header alone: what an
    /// <see cref="IBinaryStore.SetIfVersionAsync"/> compares.
    /// </summary>
    /// <param name="bytes">What the byte store holds under a key.</param>
    /// <param name="version">The version; 0 when the bytes are not an envelope.</param>
    /// <returns>Whether the bytes start like an envelope; unreadable bytes count as absent (version 0).</returns>
    public static bool TryReadVersion(ReadOnlyMemory<byte> bytes, out long version) => EnvelopeCodec.TryReadVersion(bytes, out version);

    /// <inheritdoc />
    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return PartitionOf(spec);
    }

    /// <summary>The partition as its own type, for a backend that reads the bytes itself (see <see cref="Encoded{T}.Open"/>).</summary>
    internal Encoded<T> PartitionOf<T>(PartitionSpec<T> spec) => new(this, spec, _prefix + spec.Job + ":");

    internal sealed class Encoded<T>(EncodedStore owner, PartitionSpec<T> spec, string prefix) : IEnvelopeStore<T>
    {
        /// <summary>What the backend is asked for under <paramref name="key"/>.</summary>
        public string StoredKey(string key) => prefix + key;

        public async ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) =>
            Open(await owner._bytes.GetAsync(prefix + key, cancellationToken).ConfigureAwait(false), key);

        /// <summary>The envelope in <paramref name="bytes"/> read under <paramref name="key"/>; null when there are none, or they do not decode (reported).</summary>
        public Envelope<T>? Open(byte[]? bytes, string key)
        {
            if (bytes is null)
                return null;
            if (EnvelopeCodec.TryDecode(bytes, spec.Serializer, owner.MaxPayloadBytes, out var envelope, out var error, out var detail))
                return envelope;
            spec.OnUnreadable(key, error, detail);
            return null;
        }

        public async ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            var bytes = EnvelopeCodec.Encode(next, spec.Serializer, owner.MaxPayloadBytes);
            if (await owner._bytes.SetIfVersionAsync(prefix + key, expectedVersion, bytes, ttl, cancellationToken).ConfigureAwait(false))
                return true;
            if (expectedVersion != 0)
                return false;
            // Expecting "nothing readable": an envelope whose header reads but whose payload does
            // not (a value type that changed between deploys) was read as nothing, yet the byte
            // store sees its version. Replace it over that version, or it would stay until its TTL.
            var current = await owner._bytes.GetAsync(prefix + key, cancellationToken).ConfigureAwait(false);
            return current is not null
                && EnvelopeCodec.TryReadVersion(current, out var unreadable)
                && EnvelopeCodec.Decode(current, spec.Serializer, owner.MaxPayloadBytes) is DecodeResult<T>.Failed
                && await owner._bytes.SetIfVersionAsync(prefix + key, unreadable, bytes, ttl, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            owner._bytes.SetAsync(prefix + key, EnvelopeCodec.Encode(envelope, spec.Serializer, owner.MaxPayloadBytes), ttl, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
            owner._bytes.DeleteAsync(prefix + key, cancellationToken);
    }
}
