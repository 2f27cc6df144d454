using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// The distributed <see cref="ICacheStore"/>: envelopes in Redis under
/// <c>{keyPrefix}{job}:{key}</c>, shared by every web node and worker that uses the same server and
/// prefix. An <see cref="EncodedStore"/> over a <see cref="RedisBinaryStore"/>.
/// </summary>
/// <remarks>
/// <para>Give each application its own prefix (for example <c>cacheback:{app}:</c>) so that
/// applications sharing a server never read each other's keys.</para>
/// <para>Server, password, TLS and database come from the StackExchange.Redis connection string:
/// <c>redis.example:6380,password=secret,ssl=true,sslHost=redis.example,defaultDatabase=2</c>.
/// Unless the string says <c>abortConnect=true</c>, connecting does not fail when Redis is down:
/// reads degrade to fetching until it is back.</para>
/// <para>Every command is bounded by the client: one that Redis does not answer within
/// <c>asyncTimeout</c> (default: <c>syncTimeout</c>, 5 s) fails, and a read then fetches instead.
/// A connection opened from a connection string also fails a command at once while no server is
/// connected (<see cref="BacklogPolicy.FailFast"/>), rather than holding it until the timeout in
/// case Redis comes back: a cache that is down should cost a read nothing.</para>
/// <para>Every write, compare-and-set that stores, and delete also publishes an invalidation on
/// <c>{keyPrefix}l1</c>, in the same Lua script, so that every <see cref="L1Store"/> over the same
/// prefix forgets the key, whether or not the writer has an L1 of its own (a worker without one, an
/// operator's tool). With no L1 listening, the publication costs Redis next to nothing.</para>
/// <para>A runtime over this store judges freshness on Redis's clock (<c>TIME</c>), measured every
/// <see cref="ClockSyncInterval"/> and on reconnection (<see cref="IStoreClock"/>): web nodes and
/// workers whose own clocks disagree still agree on what is fresh.</para>
/// </remarks>
public sealed class RedisStore : ICacheStore, IStoreClock, IDisposable, IAsyncDisposable
{
    private readonly RedisTime _time;
    private TimeSpan _clockSyncInterval = StoreClockLimits.DefaultInterval;
    private readonly int _maxPayloadBytes;
    private readonly bool _ownsConnection;
    // The id of writes made without an L1Store (no node ignores them).
    private readonly string _node = Guid.NewGuid().ToString("N");

    /// <summary>Creates the store over an open connection, which stays the caller's to dispose.</summary>
    /// <param name="connection">The connection; its default database is used.</param>
    /// <param name="keyPrefix">The application's namespace in the server, e.g. <c>cacheback:{app}:</c>. Required.</param>
    /// <param name="maxPayloadBytes">Larger stored payloads read as a miss; default 64 MiB.</param>
    /// <exception cref="ArgumentException"><paramref name="keyPrefix"/> is empty or white space, or the connection is to a Redis Cluster and uses a database other than 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPayloadBytes"/> is not positive.</exception>
    public RedisStore(IConnectionMultiplexer connection, string keyPrefix, int maxPayloadBytes = EnvelopeCodec.DefaultMaxPayloadBytes)
        : this(connection, keyPrefix, maxPayloadBytes, ownsConnection: false)
    {
    }

    private RedisStore(IConnectionMultiplexer connection, string keyPrefix, int maxPayloadBytes, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        RedisCluster.RequireDatabaseZero(connection, disposeWhenRefused: ownsConnection);
        Connection = connection;
        KeyPrefix = keyPrefix;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayloadBytes);
        _maxPayloadBytes = maxPayloadBytes;
        _ownsConnection = ownsConnection;
        _time = new RedisTime(connection, this);
    }

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
    public ValueTask<DateTimeOffset> GetTimeAsync(CancellationToken cancellationToken = default) => RedisTime.ReadAsync(Connection.GetDatabase(), cancellationToken);

    /// <summary>The connection; share it with a <see cref="RedisRefreshQueue"/>.</summary>
    public IConnectionMultiplexer Connection { get; }

    /// <summary>Prepended to every key.</summary>
    public string KeyPrefix { get; }

    /// <summary>Connects to Redis and creates a store that owns the connection (disposing the store closes it).</summary>
    /// <param name="connectionString">A StackExchange.Redis connection string (see the remarks of <see cref="RedisStore"/>).</param>
    /// <param name="keyPrefix">The application's namespace in the server, e.g. <c>cacheback:{app}:</c>.</param>
    /// <exception cref="ArgumentException">An argument is empty, the connection string cannot be parsed, or it names a Redis Cluster and a database other than 0.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable and the connection string says <c>abortConnect=true</c>.</exception>
    public static RedisStore Connect(string connectionString, string keyPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        return new RedisStore(ConnectionMultiplexer.Connect(Configuration(connectionString)), keyPrefix, EnvelopeCodec.DefaultMaxPayloadBytes, ownsConnection: true);
    }

    /// <inheritdoc cref="Connect(string, string)" />
    public static async Task<RedisStore> ConnectAsync(string connectionString, string keyPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        var connection = await ConnectionMultiplexer.ConnectAsync(Configuration(connectionString)).ConfigureAwait(false);
        return new RedisStore(connection, keyPrefix, EnvelopeCodec.DefaultMaxPayloadBytes, ownsConnection: true);
    }

    /// <summary>
    /// Connects with <paramref name="options"/> as given and creates a store that owns the
    /// connection: for what a connection string cannot say, such as a
    /// <see cref="ConfigurationOptions.CertificateValidation"/> callback that trusts a private
    /// certificate authority, or a client certificate.
    /// </summary>
    /// <param name="options">The connection's options. Unlike a parsed connection string, they keep
    /// <see cref="ConfigurationOptions.AbortOnConnectFail"/> as set (its default, true, makes a Redis
    /// that is down at start-up an error) and <see cref="ConfigurationOptions.BacklogPolicy"/> as set
    /// (its default holds commands while disconnected, up to <c>asyncTimeout</c>).</param>
    /// <param name="keyPrefix">The application's namespace in the server, e.g. <c>cacheback:{app}:</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="keyPrefix"/> is empty, or the options name a Redis Cluster and a database other than 0.</exception>
    /// <exception cref="RedisConnectionException">Redis is unreachable and <see cref="ConfigurationOptions.AbortOnConnectFail"/> is set.</exception>
    public static RedisStore Connect(ConfigurationOptions options, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        return new RedisStore(ConnectionMultiplexer.Connect(options), keyPrefix, EnvelopeCodec.DefaultMaxPayloadBytes, ownsConnection: true);
    }

    /// <inheritdoc cref="Connect(ConfigurationOptions, string)" />
    public static async Task<RedisStore> ConnectAsync(ConfigurationOptions options, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPrefix);
        var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        return new RedisStore(connection, keyPrefix, EnvelopeCodec.DefaultMaxPayloadBytes, ownsConnection: true);
    }

    /// <inheritdoc />
    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // Each job's byte store words the invalidation of its own keys: every write announces itself.
        var bytes = new RedisBinaryStore(Connection, new WriteAnnouncer(Connection, KeyPrefix, spec.Job, _node));
        return new RedisPartition<T>(new EncodedStore(bytes, KeyPrefix, _maxPayloadBytes).PartitionOf(spec), Connection.GetDatabase());
    }

    /// <summary>Closes the connection if the store opened it.</summary>
    public void Dispose()
    {
        if (_ownsConnection)
            Connection.Dispose();
    }

    /// <summary>Closes the connection if the store opened it, without blocking a thread while it flushes.</summary>
    /// <returns>A task that completes once the connection is closed.</returns>
    public ValueTask DisposeAsync() => _ownsConnection ? Connection.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>
    /// The parsed connection string. A cache must not fail to start because its cache is down, nor
    /// make reads wait on a server it knows is gone: commands fail at once while disconnected.
    /// </summary>
    internal static ConfigurationOptions Configuration(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The Redis connection string cannot be parsed: {e.Message}", nameof(connectionString), e);
        }

        if (!connectionString.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
            options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }
}
