using System.Text;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Store;

/// <summary>RedisStore on one server and on a three-node cluster (the theories), and on one server only (the facts).</summary>
[Collection(RedisTopologyCollection.Name)]
public class RedisStoreTests(RedisTopologyFixture topologies) : IAsyncLifetime
{
    private const int Keys = 48;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static IEnvelopeStore<T> Partition<T>(ICacheStore store, string job = "job") =>
        store.Partition(new PartitionSpec<T>(job, JsonPayloadSerializer<T>.Default, (_, _, _) => { }));

    /// <summary>The single server the facts run on.</summary>
    private IRedisTopology _redis = null!;

    public async Task InitializeAsync() => _redis = await topologies.GetAsync(Topology.Single);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task WriteReadDelete_ManyKeys_EachLivesOnTheNodeOwningItsSlot(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        var prefix = redis.Prefix();
        var users = Partition<string>(new RedisStore(redis.Connection, prefix), "users");
        var owners = new HashSet<int>();

        for (var i = 0; i < Keys; i++)
            await users.WriteAsync($"k{i}", Envelope.Fresh(1, $"v{i}", T0, T0), Ttl);

        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal($"v{i}", (await users.ReadAsync($"k{i}"))?.Value);
            var owner = await redis.NodeOfAsync($"{prefix}users:k{i}");
            Assert.True(await redis.IsStoredOnAsync(owner, $"{prefix}users:k{i}"), $"k{i} is not on node {owner}, the owner of its slot");
            owners.Add(owner);
        }

        Assert.Equal(Enumerable.Range(0, redis.NodeCount), owners.Order());
        for (var i = 0; i < Keys; i++)
            Assert.True(await users.DeleteAsync($"k{i}"));
        for (var i = 0; i < Keys; i++)
            Assert.Null(await users.ReadAsync($"k{i}"));
        Assert.Equal(new int[redis.NodeCount], redis.KeysPerNode(prefix));
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task CompareAndSet_ManyKeys_SucceedsOnlyOverTheExpectedVersion(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        var store = Partition<string>(new RedisStore(redis.Connection, redis.Prefix()), "users");

        // On the cluster the script runs on the node owning each key: every node must answer it, whatever it cached.
        for (var i = 0; i < Keys; i++)
        {
            var key = $"k{i}";
            Assert.False(await store.CompareAndSetAsync(key, 5, Envelope.Fresh(1, "a", T0, T0), Ttl));
            Assert.True(await store.CompareAndSetAsync(key, 0, Envelope.Fresh(1, "a", T0, T0), Ttl));
            Assert.False(await store.CompareAndSetAsync(key, 0, Envelope.Fresh(2, "b", T0, T0), Ttl));
            Assert.True(await store.CompareAndSetAsync(key, 1, Envelope.Fresh(2, "b", T0, T0), Ttl));
            var stored = await store.ReadAsync(key);
            Assert.Equal(2, stored?.Version);
            Assert.Equal("b", stored?.Value);
        }
    }

    [Fact]
    public async Task Partition_KeysAreThePrefixTheJobAndTheKey()
    {
        var prefix = _redis.Prefix();
        var store = Partition<string>(new RedisStore(_redis.Connection, prefix), "users");

        await store.WriteAsync("42", Envelope.Fresh(1, "alice", T0, T0), Ttl);

        Assert.True(await _redis.Connection.GetDatabase().KeyExistsAsync(prefix + "users:42"));
    }

    /// <summary>On one server, round after round on one key; on the cluster, keys on every node raced at once.</summary>
    [Theory]
    [InlineData(Topology.Single, 20, 1, 32)]
    [InlineData(Topology.Cluster, 1, 12, 16)]
    public async Task CompareAndSet_ManyClaimersOnTwoConnections_ExactlyOneWinsPerKey(Topology topology, int rounds, int keys, int claimers)
    {
        var redis = await topologies.GetAsync(topology);
        var prefix = redis.Prefix();
        // The second node connects the way an application does: a connection string listing the nodes.
        using var second = await RedisStore.ConnectAsync(redis.ConnectionString, prefix);
        var nodes = new[] { Partition<string>(new RedisStore(redis.Connection, prefix)), Partition<string>(second) };

        for (var round = 0; round < rounds; round++)
        {
            var names = Enumerable.Range(0, keys).Select(k => $"k{round}-{k}").ToArray();
            for (var k = 0; k < keys; k++)
                await nodes[k % 2].WriteAsync(names[k], Envelope.Fresh(1, "stale", T0, T0), Ttl);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            // Every key's claimers race at once, on both connections.
            var claims = Enumerable.Range(0, keys).SelectMany(k => Enumerable.Range(0, claimers).Select(async i =>
            {
                await start.Task;
                return await nodes[i % 2].CompareAndSetAsync(names[k], 1, Envelope.Fresh(1, "stale", T0, T0).WithLease(100 + i, T0.AddSeconds(30)), Ttl);
            })).ToArray();
            start.SetResult();
            var won = await Task.WhenAll(claims);

            Assert.All(redis.KeysPerNode(prefix), count => Assert.True(count > 0, "every node should hold some of the keys"));
            for (var k = 0; k < keys; k++)
            {
                var winner = Assert.Single(Enumerable.Range(0, claimers), i => won[k * claimers + i]);
                Assert.Equal(100 + winner, (await nodes[(k + 1) % 2].ReadAsync(names[k]))?.Version);
            }
        }
    }

    [Fact]
    public async Task Create_OnAClusterWithADatabaseOtherThanZero_IsAClearError()
    {
        // Regression: a cluster has only database 0. With defaultDatabase=2, StackExchange.Redis 1.2.6
        // failed every GET and never answered a script: every read waited out the syncTimeout, nothing
        // was cached. (A short syncTimeout: closing an unused connection may wait that long.)
        var cluster = await topologies.GetAsync(Topology.Cluster);
        var connectionString = cluster.ConnectionString + ",defaultDatabase=2,syncTimeout=200";
        using var connection = await cluster.ConnectAsync(connectionString);

        var store = Assert.Throws<ArgumentException>(() => new RedisStore(connection, "app:"));
        var queue = Assert.Throws<ArgumentException>(() => new RedisRefreshQueue(connection));
        var connect = await Assert.ThrowsAsync<ArgumentException>(() => RedisStore.ConnectAsync(connectionString, "app:"));

        Assert.All(new[] { store, queue, connect }, e => Assert.Contains("only database 0, and it uses database 2", e.Message));
    }

    [Fact]
    public async Task Get_UnreadableBytes_AreAMissAndTheFetchReplacesThem()
    {
        var prefix = _redis.Prefix();
        using var h = new Harness(store: new RedisStore(_redis.Connection, prefix));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "users");
        await _redis.Connection.GetDatabase().StringSetAsync(prefix + "users:k", Encoding.UTF8.GetBytes("{\"not\":\"an envelope\"}"), TimeSpan.FromHours(1));

        Assert.Equal("fetched", await cached.GetAsync("k"));

        var unreadable = Assert.Single(h.Events, e => e.Kind == CacheEventKind.Unreadable);
        Assert.Contains("NotAnEnvelope", unreadable.Detail);
        Assert.Equal("fetched", await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Get_ReadableHeaderWithAnUnreadablePayload_IsAMissAndTheFetchReplacesIt()
    {
        // A value type that changed between deploys: the script sees the old envelope's version,
        // EncodedStore sees an unreadable payload and replaces it over that version.
        var prefix = _redis.Prefix();
        var store = new RedisStore(_redis.Connection, prefix);
        await Partition<string>(store, "counts").WriteAsync("k", Envelope.Fresh(77, "not a number", T0, T0.AddHours(1)), TimeSpan.FromHours(1));
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(42), Policy, runtime: h.Runtime, name: "counts");

        Assert.Equal(42, await cached.GetAsync("k"));

        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.Unreadable && e.Detail!.Contains("PayloadUnreadable"));
        var stored = (byte[]?)await _redis.Connection.GetDatabase().StringGetAsync(prefix + "counts:k");
        Assert.True(EnvelopeCodec.Decode(stored, MessagePackPayloadSerializer<int>.Default) is DecodeResult<int>.Decoded { Envelope.HasValue: true });
        Assert.Equal(42, await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public void Create_EmptyPrefix_IsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisStore(_redis.Connection, " "));

        Assert.Equal("keyPrefix", e.ParamName);
    }

    [Fact]
    public async Task ConnectAsync_FromAConnectionString_OwnsTheConnection()
    {
        var prefix = _redis.Prefix();
        var store = await RedisStore.ConnectAsync(_redis.ConnectionString + ",defaultDatabase=3", prefix);

        await Partition<string>(store).WriteAsync("k", Envelope.Fresh(1, "a", T0, T0), Ttl);
        store.Dispose();

        Assert.False(store.Connection.IsConnected);
        Assert.True(await _redis.Connection.GetDatabase(3).KeyExistsAsync(prefix + "job:k"));
    }

    [Fact]
    public async Task ConnectAsync_RedisDown_ReadsFailAtOnceRatherThanWaitingOutTheTimeout()
    {
        // Port 1 on loopback: nothing listens there. A command held in the client's backlog would
        // fail only after asyncTimeout (60 s here, past the bound); a read must fail at once.
        await using var store = await RedisStore.ConnectAsync("127.0.0.1:1,connectTimeout=200,syncTimeout=60000", "app:");
        var read = Partition<string>(store).ReadAsync("k").AsTask();

        await Assert.ThrowsAsync<RedisConnectionException>(() => read.WaitAsync(Queue.QueueTesting.Bound));
    }

    [Fact]
    public async Task DisposeAsync_OwnedConnection_IsClosed()
    {
        var store = await RedisStore.ConnectAsync(_redis.ConnectionString, _redis.Prefix());

        await store.DisposeAsync();

        Assert.False(store.Connection.IsConnected);
    }

    [Fact]
    public void Connect_RedisDown_DoesNotThrowUnlessTheStringSaysAbortConnect()
    {
        // Port 1 on loopback: nothing listens there.
        using var store = RedisStore.Connect("127.0.0.1:1,connectTimeout=200", "app:");
        Assert.False(store.Connection.IsConnected);

        Assert.Throws<RedisConnectionException>(() => RedisStore.Connect("127.0.0.1:1,connectTimeout=200,abortConnect=true", "app:"));
    }
}
