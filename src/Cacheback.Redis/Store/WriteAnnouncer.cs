using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// The invalidation that one job's writes to a <see cref="RedisStore"/> publish, for every
/// <see cref="L1Store"/> listening under the same key prefix: <c>{keyPrefix}l1</c>, in
/// <see cref="L1Message"/>'s form. Written by the store's own scripts, in the same step as the write,
/// so that no write reaches Redis without it, whoever makes it.
/// </summary>
internal sealed class WriteAnnouncer
{
    private readonly IConnectionMultiplexer _connection;
    private readonly string _channelName;
    private readonly string _job;
    private readonly int _storedPrefixLength;
    private readonly string _node;

    /// <param name="connection">The store's connection; its channel prefix is added, as its subscribers' is.</param>
    /// <param name="keyPrefix">The store's key prefix: the L1's channel prefix.</param>
    /// <param name="job">The partition.</param>
    /// <param name="node">The id of writes that no L1 makes.</param>
    public WriteAnnouncer(IConnectionMultiplexer connection, string keyPrefix, string job, string node)
    {
        _connection = connection;
        _channelName = keyPrefix + "l1";
        _job = job;
        _storedPrefixLength = keyPrefix.Length + job.Length + 1;
        _node = node;
        Channel = RedisCall.ChannelPrefix(connection) + _channelName;
    }

    /// <summary>The channel, as a script publishes on it.</summary>
    public RedisValue Channel { get; }

    /// <summary>The message for the write of the stored key <paramref name="storedKey"/> (<c>{keyPrefix}{job}:{key}</c>), and the L1 write it belongs to, if any.</summary>
    public (RedisValue Message, L1WriteContext? Writer) For(string storedKey)
    {
        var writer = L1WriteContext.Current is { } current && current.Hears(_channelName, _connection) ? current : null;
        var key = storedKey.Length >= _storedPrefixLength ? storedKey[_storedPrefixLength..] : storedKey;
        return (new L1Message(writer?.Node ?? _node, _job, key).Encode(), writer);
    }
}
