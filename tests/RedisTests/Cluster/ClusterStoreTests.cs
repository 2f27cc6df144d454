namespace Cacheback.Tests.Redis.Cluster;

/// <summary>RedisStore on a three-node cluster: every operation, on keys spread over every node's slots.</summary>
[Collection(RedisClusterCollection.Name)]
public class ClusterStoreTests(RedisClusterFixture cluster)
{
    private const int Keys = 48;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private static IEnvelopeStore<string> Users(ICacheStore store) =>
        store.Partition(new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

    [Fact]
    public async Task WriteReadDelete_ManyKeys_EachLivesOnTheNodeOwningItsSlot()
    {
        var prefix = RedisClusterFixture.Prefix();
        var users = Users(new RedisStore(cluster.Connection, prefix));
        var owners = new HashSet<int>();

        for (var i = 0; i < Keys; i++)
            await users.WriteAsync($"k{i}", Envelope.Fresh(1, $"v{i}", T0, T0), Ttl);

        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal($"v{i}", (await users.ReadAsync($"k{i}"))?.Value);
            var owner = await cluster.NodeOfAsync($"{prefix}users:k{i}");
            Assert.True(await cluster.IsStoredOnAsync(owner, $"{prefix}users:k{i}"), $"k{i} is not on node {owner}, the owner of its slot");
            owners.Add(owner);
        }

        Assert.Equal([0, 1, 2], owners.Order());
        for (var i = 0; i < Keys; i++)
            Assert.True(await users.DeleteAsync($"k{i}"));
        for (var i = 0; i < Keys; i++)
            Assert.Null(await users.ReadAsync($"k{i}"));
        Assert.Equal([0, 0, 0], cluster.KeysPerNode(prefix));
    }

    [Fact]
    public async Task CompareAndSet_ManyKeys_SucceedsOnlyOverTheExpectedVersion()
    {
        var users = Users(new RedisStore(cluster.Connection, RedisClusterFixture.Prefix()));

        // The script runs on the node owning each key: every node must answer it, whatever it cached.
        for (var i = 0; i < Keys; i++)
        {
            var key = $"k{i}";
            Assert.False(await users.CompareAndSetAsync(key, 5, Envelope.Fresh(1, "a", T0, T0), Ttl));
            Assert.True(await users.CompareAndSetAsync(key, 0, Envelope.Fresh(1, "a", T0, T0), Ttl));
            Assert.False(await users.CompareAndSetAsync(key, 0, Envelope.Fresh(2, "b", T0, T0), Ttl));
            Assert.True(await users.CompareAndSetAsync(key, 1, Envelope.Fresh(2, "b", T0, T0), Ttl));
            var stored = await users.ReadAsync(key);
            Assert.Equal(2, stored?.Version);
            Assert.Equal("b", stored?.Value);
        }
    }

    [Fact]
    public async Task CompareAndSet_ManyClaimersOnTwoConnections_ExactlyOneWinsPerKey()
    {
        var prefix = RedisClusterFixture.Prefix();
        // The second node connects the way an application does: a connection string listing the nodes.
        using var second = await RedisStore.ConnectAsync(cluster.ConnectionString, prefix);
        var nodes = new[] { Users(new RedisStore(cluster.Connection, prefix)), Users(second) };
        const int keys = 12;
        const int claimers = 16;
        for (var k = 0; k < keys; k++)
            await nodes[k % 2].WriteAsync($"k{k}", Envelope.Fresh(1, "stale", T0, T0), Ttl);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Every key's claimers race at once, on both connections.
        var claims = Enumerable.Range(0, keys).SelectMany(k => Enumerable.Range(0, claimers).Select(async i =>
        {
            await start.Task;
            return await nodes[i % 2].CompareAndSetAsync($"k{k}", 1, Envelope.Fresh(1, "stale", T0, T0).WithLease(100 + i, T0.AddSeconds(30)), Ttl);
        })).ToArray();
        start.SetResult();
        var won = await Task.WhenAll(claims);

        Assert.All(cluster.KeysPerNode(prefix), count => Assert.True(count > 0, "every node should hold some of the keys"));
        for (var k = 0; k < keys; k++)
        {
            var winner = Assert.Single(Enumerable.Range(0, claimers), i => won[k * claimers + i]);
            Assert.Equal(100 + winner, (await nodes[(k + 1) % 2].ReadAsync($"k{k}"))?.Version);
        }
    }

    [Fact]
    public async Task Create_OnAClusterWithADatabaseOtherThanZero_IsAClearError()
    {
        // Regression: a cluster has only database 0. With defaultDatabase=2, StackExchange.Redis 1.2.6
        // failed every GET and never answered a script: every read waited out the syncTimeout, nothing
        // was cached. (A short syncTimeout: closing an unused connection may wait that long.)
        var connectionString = cluster.ConnectionString + ",defaultDatabase=2,syncTimeout=200";
        using var connection = await cluster.ConnectAsync(connectionString);

        var store = Assert.Throws<ArgumentException>(() => new RedisStore(connection, "app:"));
        var queue = Assert.Throws<ArgumentException>(() => new RedisRefreshQueue(connection));
        var connect = await Assert.ThrowsAsync<ArgumentException>(() => RedisStore.ConnectAsync(connectionString, "app:"));

        Assert.All(new[] { store, queue, connect }, e => Assert.Contains("only database 0, and it uses database 2", e.Message));
    }
}
