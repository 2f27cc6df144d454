using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// One job's envelopes in a <see cref="RedisStore"/>. Writes go through the encoded partition over
/// <see cref="RedisBinaryStore"/>; the read, every cache hit's path, is written out here as one GET
/// and one decode, because on a busy connection each further async layer costs the client CPU that a
/// raw GET does not pay. The client bounds the GET in time (the connection's <c>asyncTimeout</c>).
/// A GET that returns the bytes the last read of the key decoded is not decoded again, when the
/// value's type is immutable (<see cref="DecodedMemo{T}"/>). The executor reads through
/// <see cref="ISplitRead{T}"/>: it awaits the GET itself, then has it opened here, so that a hit
/// runs no state machine of this class.
/// </summary>
internal sealed class RedisPartition<T>(EncodedStore.Encoded<T> encoded, IDatabase database) : IEnvelopeStore<T>, ISplitRead<T>
{
    // The key's prefix as bytes, written before the key itself: no string concatenated per read.
    private readonly RedisKey _prefix = Encoding.UTF8.GetBytes(encoded.StoredKey(""));

    // What the last reads of a few keys decoded to, when T's instances can be shared (null otherwise).
    private readonly DecodedMemo<T>? _decoded = DecodedMemo<T>.ForValueType();

    public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var get = Get(key, cancellationToken);
        return get.IsCompletedSuccessfully ? new(Open((byte[]?)get.Result, key)) : ReadAsync(get, key);
    }

    /// <inheritdoc />
    public Task StartRead(string key, CancellationToken cancellationToken) => Get(key, cancellationToken);

    /// <inheritdoc />
    public Envelope<T>? OpenRead(Task started, string key) =>
        Open((byte[]?)((Task<RedisValue>)started).GetAwaiter().GetResult(), key);

    private Task<RedisValue> Get(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return database.StringGetAsync(_prefix.Append(key));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Envelope<T>?> ReadAsync(Task<RedisValue> get, string key) =>
        Open((byte[]?)await get.ConfigureAwait(false), key);

    /// <summary>The envelope in the bytes read: the one decoded last time when they are the same bytes (see <see cref="DecodedMemo{T}"/>).</summary>
    private Envelope<T>? Open(byte[]? bytes, string key)
    {
        if (bytes is null || _decoded is null)
            return encoded.Open(bytes, key);
        if (_decoded.TryGet(key, bytes, out var remembered))
            return remembered;
        var envelope = encoded.Open(bytes, key);
        if (envelope is not null)
            _decoded.Remember(key, bytes, envelope);
        return envelope;
    }

    public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        encoded.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);

    public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        encoded.WriteAsync(key, envelope, ttl, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        encoded.DeleteAsync(key, cancellationToken);
}
