using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// An <see cref="IBinaryStore"/> on Redis: each envelope is a string key (<c>{prefix}{key}</c>) with
/// a millisecond TTL. The compare-and-set is one Lua script that reads the stored envelope's version
/// from its header (parsed by hand: Redis's <c>cmsgpack</c> cannot read the payload's <c>bin</c>), so it
/// is atomic across every process sharing the server.
/// Wrap it in an <see cref="EncodedStore"/> (or use <see cref="RedisStore"/>) to cache values; a
/// runtime over it judges freshness on Redis's clock (<see cref="IStoreClock"/>).
/// </summary>
/// <remarks>
/// Redis commands cannot be withdrawn once sent: a cancellation token is checked before sending.
/// A command that Redis does not answer within the connection's <c>asyncTimeout</c> throws
/// <see cref="RedisTimeoutException"/> (a <see cref="TimeoutException"/>).
/// </remarks>
public sealed class RedisBinaryStore : IBinaryStore, IStoreClock
{
    private readonly IDatabase _database;
    private readonly RedisTime _time;
    private TimeSpan _clockSyncInterval = StoreClockLimits.DefaultInterval;
    private readonly string _prefix;
    private readonly WriteAnnouncer? _announcer;

    /// <summary>Creates the store over an open connection, which it does not own.</summary>
    /// <param name="connection">The connection; its default database (<c>defaultDatabase</c> in the connection string) is used.</param>
    /// <param name="keyPrefix">Prepended to every key; default none.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public RedisBinaryStore(IConnectionMultiplexer connection, string keyPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _database = connection.GetDatabase();
        _prefix = keyPrefix;
        _time = new RedisTime(connection, this);
    }

    /// <summary>A store whose every write and delete also publishes the L1 invalidation <paramref name="announcer"/> words, in the same script.</summary>
    internal RedisBinaryStore(IConnectionMultiplexer connection, WriteAnnouncer announcer)
        : this(connection)
    {
        _announcer = announcer;
    }

    /// <summary>Prepended to every key.</summary>
    public string KeyPrefix => _prefix;

    /// <inheritdoc />
    /// <value>Default 30 s; between 1 s and 1 h. Read by a runtime when it is built.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of those bounds.</exception>
    public TimeSpan ClockSyncInterval
    {
        get => _clockSyncInterval;
        set => _clockSyncInterval = StoreClockLimits.Check(value, nameof(ClockSyncInterval));
    }

    /// <inheritdoc />
    public event EventHandler? Reconnected
    {
        add => _time.Add(value);
        remove => _time.Remove(value);
    }

    /// <summary>Redis's time (<c>TIME</c>).</summary>
    /// <exception cref="RedisException">Redis could not be reached or refused (a <see cref="RedisTimeoutException"/> when it did not answer in time).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the command was sent.</exception>
    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) => RedisTime.ReadAsync(_database, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var value = await _database.StringGetAsync(Key(key)).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is not positive.</exception>
    public async ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var px = RedisCall.PxMilliseconds(ttl, nameof(ttl));
        cancellationToken.ThrowIfCancellationRequested();
        if (_announcer is null)
        {
            await _database.StringSetAsync(Key(key), value, TimeSpan.FromMilliseconds(px)).ConfigureAwait(false);
            return;
        }

        var (message, writer) = _announcer.For(key);
        await _database.ScriptEvaluateAsync(LuaScripts.SetAndPublish, [Key(key)], [value, px, _announcer.Channel, message]).ConfigureAwait(false);
        writer?.MarkAnnounced();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is not positive, or <paramref name="expectedVersion"/> is outside [0, 2^53).</exception>
    public async ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (expectedVersion is < 0 or >= Envelope.MaxVersion)
            throw new ArgumentOutOfRangeException(nameof(expectedVersion), expectedVersion, "Versions are in [0, 2^53): Lua compares them as doubles.");
        var px = RedisCall.PxMilliseconds(ttl, nameof(ttl));
        cancellationToken.ThrowIfCancellationRequested();
        if (_announcer is null)
            return (long)await _database.ScriptEvaluateAsync(LuaScripts.SetIfVersion, [Key(key)], [expectedVersion, value, px]).ConfigureAwait(false) == 1;
        var (message, writer) = _announcer.For(key);
        var stored = (long)await _database.ScriptEvaluateAsync(LuaScripts.SetIfVersion, [Key(key)], [expectedVersion, value, px, _announcer.Channel, message]).ConfigureAwait(false) == 1;
        if (stored)
            writer?.MarkAnnounced();
        return stored;
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_announcer is null)
            return await _database.KeyDeleteAsync(Key(key)).ConfigureAwait(false);
        var (message, writer) = _announcer.For(key);
        var removed = (long)await _database.ScriptEvaluateAsync(LuaScripts.DeleteAndPublish, [Key(key)], [_announcer.Channel, message]).ConfigureAwait(false);
        writer?.MarkAnnounced();
        return removed > 0;
    }

    private RedisKey Key(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _prefix + key;
    }
}
