using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// A memory layer in front of a shared store (a <see cref="RedisStore"/>): hits are served from this
/// process's memory as fast as the embedded <see cref="MemoryStore"/>, and every set, refresh, claim
/// or delete made through any node's <see cref="L1Store"/> evicts the key from every other node's
/// memory through a Redis pub/sub message.
/// </summary>
/// <remarks>
/// <para>Compare-and-set always goes to the shared store. A node's own writes are visible to it at
/// once. A <see cref="RedisStore"/> announces every write itself, in the script that makes it, so
/// writes made without an <see cref="L1Store"/> (a worker with no L1) evict the key too; another
/// shared store's writes made without an <see cref="L1Store"/> are not announced, and other nodes
/// see them after <see cref="L1Options.TimeToLive"/>.</para>
/// <para>Until the subscription is confirmed (<see cref="Ready"/>), and while any of the connection's
/// sockets is down (commands or pub/sub, to any server of a Redis Cluster), reads go to the shared
/// store and nothing is remembered; memory is cleared when one fails and when one is restored, since
/// invalidations may have been missed meanwhile.</para>
/// </remarks>
public sealed class L1Store : ICacheStore, IDisposable, IStoreLayer
{
    private readonly ConcurrentDictionary<string, IL1Partition> _partitions = new(StringComparer.Ordinal);
    private readonly ICacheStore _l2;
    private readonly ISubscriber _subscriber;
    private readonly IConnectionMultiplexer _connection;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly L1Options _options;
    private readonly ILogger _logger;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    // Per server: on a cluster, one node coming back says nothing of another that is still down
    // (perhaps the one our subscription lives on).
    private readonly System.Collections.Generic.HashSet<(EndPoint? Server, ConnectionType Type)> _down = [];
    private readonly ITimer _ticker;
    private long _age;
    private int _active;
    private int _subscribed;
    private int _disposed;

    /// <summary>The shared store, whose clock (a <see cref="RedisStore"/>'s) is the runtime's.</summary>
    object IStoreLayer.Inner => _l2;

    /// <summary>Puts a memory layer in front of <paramref name="l2"/>, announcing changes on its connection under its key prefix.</summary>
    /// <param name="l2">The shared store.</param>
    /// <param name="options">The memory bounds; default <see cref="L1Options"/>'s defaults.</param>
    /// <param name="logger">Where subscription and publication failures are logged; default none.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public L1Store(RedisStore l2, L1Options? options = null, ILogger? logger = null)
        : this(l2, (l2 ?? throw new ArgumentNullException(nameof(l2))).Connection.GetSubscriber(), l2.KeyPrefix, options, logger)
    {
    }

    /// <summary>Puts a memory layer in front of <paramref name="l2"/>, announcing changes through <paramref name="subscriber"/>.</summary>
    /// <param name="l2">The shared store.</param>
    /// <param name="subscriber">The pub/sub client; its connection's failures clear the memory layer.</param>
    /// <param name="channelPrefix">Nodes sharing <paramref name="l2"/> use the same prefix (its key prefix); invalidations go to <c>{channelPrefix}l1</c>.</param>
    /// <param name="options">The memory bounds; default <see cref="L1Options"/>'s defaults.</param>
    /// <param name="logger">Where subscription and publication failures are logged; default none.</param>
    /// <exception cref="ArgumentException"><paramref name="channelPrefix"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public L1Store(ICacheStore l2, ISubscriber subscriber, string channelPrefix, L1Options? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(l2);
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentException.ThrowIfNullOrWhiteSpace(channelPrefix);
        _options = options ?? new L1Options();
        _options.Validate();
        _l2 = l2;
        _subscriber = subscriber;
        _connection = subscriber.Multiplexer;
        _channelName = channelPrefix + "l1";
        _channel = RedisChannel.Literal(_channelName);
        _logger = logger ?? NullLogger.Instance;
        _onMessage = OnMessage;
        // A hit compares this counter with the entry's, instead of reading a clock (~10 ns here, a
        // quarter of a hit).
        _ticker = _options.TimeProvider.CreateTimer(static self => Interlocked.Increment(ref ((L1Store)self!)._age), this, _options.Tick, _options.Tick);
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
        Ready = SubscribeAsync();
    }

    /// <summary>
    /// Completes when invalidations are being received (or subscribing failed, which is logged);
    /// the memory layer is used only from then on. It never faults.
    /// </summary>
    public Task Ready { get; }

    /// <summary>The options in force.</summary>
    public L1Options Options => _options;

    /// <summary>Whether memory may be used now: subscribed, and the connection up.</summary>
    internal bool IsActive => Volatile.Read(ref _active) == 1;

    /// <summary>Quarters of the time to live since the store was made (see <see cref="L1Options.TimeToLive"/>).</summary>
    internal long Age => Volatile.Read(ref _age);

    /// <summary>This node's id in the messages it publishes.</summary>
    internal string Node => _node;

    /// <summary>A write this node is about to make: a <see cref="RedisStore"/> beneath announces it under this node's id.</summary>
    internal L1WriteContext WriteContext() => new(_node, _channelName, _connection);

    /// <summary>Raised after an invalidation from another node was applied (tests wait on it).</summary>
    internal event Action<L1Message>? Invalidated;

    /// <inheritdoc />
    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var partition = _partitions.GetOrAdd(spec.Job, static (job, state) => new L1Partition<T>(state.Self._l2.Partition(state.Spec), state.Self, job, state.Self._options), (Self: this, Spec: spec));
        return partition as L1Partition<T>
            ?? throw new InvalidOperationException($"Job '{spec.Job}' already has a partition for values of another type than {typeof(T).Name}: job names must be unique.");
    }

    /// <summary>Stops listening for invalidations and forgets what memory holds; the shared store and connection stay open.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        Volatile.Write(ref _active, 0);
        _ticker.Dispose();
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        _subscriber.Unsubscribe(_channel, _onMessage, CommandFlags.FireAndForget);
        ClearAll();
    }

    /// <summary>Tells the other nodes that <paramref name="key"/> of <paramref name="job"/> changed. Never throws for Redis.</summary>
    internal async ValueTask PublishAsync(string job, string key)
    {
        try
        {
            await _subscriber.PublishAsync(_channel, new L1Message(_node, job, key).Encode()).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            L1Log.PublishFailed(_logger, (string)_channel!, job, key, _options.TimeToLive, e);
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _subscriber.SubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
            Volatile.Write(ref _subscribed, 1);
            lock (_down)
            {
                if (_down.Count == 0 && _connection.IsConnected && Volatile.Read(ref _disposed) == 0)
                    Volatile.Write(ref _active, 1);
            }
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            L1Log.SubscribeFailed(_logger, (string)_channel!, e);
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        if (L1Message.TryParse(value) is not { } message)
        {
            L1Log.Unrecognized(_logger, (string)_channel!);
            return;
        }

        if (message.Node == _node)
            return;
        if (_partitions.TryGetValue(message.Job, out var partition))
            partition.Evict(message.Key);
        Invalidated?.Invoke(message);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // Invalidations sent while we are away are lost: stop using memory until every connection is back.
        lock (_down)
        {
            _down.Add((e.EndPoint, e.ConnectionType));
            Volatile.Write(ref _active, 0);
        }

        ClearAll();
        L1Log.Cleared(_logger, (string)_channel!, "failed", e.ConnectionType.ToString(), e.EndPoint?.ToString() ?? "?");
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        ClearAll();
        L1Log.Cleared(_logger, (string)_channel!, "restored", e.ConnectionType.ToString(), e.EndPoint?.ToString() ?? "?");
        bool allUp;
        lock (_down)
        {
            _down.Remove((e.EndPoint, e.ConnectionType));
            allUp = _down.Count == 0;
        }

        if (!allUp || Volatile.Read(ref _disposed) == 1)
            return;
        // StackExchange.Redis subscribes again by itself on reconnect; a subscription that never succeeded is retried.
        if (Volatile.Read(ref _subscribed) == 1)
            Volatile.Write(ref _active, 1);
        else
            _ = SubscribeAsync();
    }

    private void ClearAll()
    {
        foreach (var partition in _partitions.Values)
            partition.Clear();
    }
}
