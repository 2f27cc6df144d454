using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// One job's envelopes in a <see cref="RedisStore"/>. Writes go through the encoded partition over
/// <see cref="RedisBinaryStore"/>; the read, every cache hit's path, is written out here as one
/// GET, one timeout and one decode in a single state machine, because on a busy connection each
/// further async layer costs the client CPU that a raw GET does not pay.
/// </summary>
internal sealed class RedisPartition<T>(EncodedStore.Encoded<T> encoded, IConnectionMultiplexer connection, IDatabase database) : IEnvelopeStore<T>
{
    // The key's prefix as bytes, written before the key itself: no string concatenated per read.
    private readonly RedisKey _prefix = Encoding.UTF8.GetBytes(encoded.StoredKey(""));

    public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var get = database.StringGetAsync(_prefix.Append(key));
        return get.IsCompletedSuccessfully ? new(encoded.Open((byte[]?)get.Result, key)) : ReadAsync(get, key);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Envelope<T>?> ReadAsync(Task<RedisValue> get, string key)
    {
        var timeout = RedisCall.Timeout(connection);
        RedisValue value;
        try
        {
            value = await get.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!get.IsCompleted)
        {
            throw RedisCall.Abandon(get, "GET", timeout);
        }

        return encoded.Open((byte[]?)value, key);
    }

    public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        encoded.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);

    public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        encoded.WriteAsync(key, envelope, ttl, cancellationToken);

    public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        encoded.DeleteAsync(key, cancellationToken);
}
