namespace Cacheback.Tests.Redis;

/// <summary>
/// The Redis topologies of a collection: one server and a three-node cluster, each started the first
/// time a test asks for it and then shared; both killed when the collection ends. A theory over
/// <see cref="Topology"/> asks for its case's one with <see cref="GetAsync"/>.
/// </summary>
public sealed class RedisTopologyFixture : IAsyncLifetime
{
    private readonly Lazy<Task<RedisSingleTopology>> _single = new(RedisSingleTopology.StartAsync);
    private readonly Lazy<Task<RedisClusterTopology>> _cluster = new(RedisClusterTopology.StartAsync);

    /// <summary>The running <paramref name="topology"/>, started on the first call.</summary>
    public async Task<IRedisTopology> GetAsync(Topology topology) => topology switch
    {
        Topology.Single => await _single.Value,
        Topology.Cluster => await _cluster.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(topology), topology, "Single or Cluster."),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_single.IsValueCreated && await Started(_single.Value) is { } single)
            single.Dispose();
        if (_cluster.IsValueCreated && await Started(_cluster.Value) is { } cluster)
            await cluster.DisposeAsync();
    }

    /// <summary>The topology, or null when it failed to start (it cleaned up then, and its tests failed with the reason).</summary>
    private static async Task<T?> Started<T>(Task<T> starting)
        where T : class
    {
        try
        {
            return await starting;
        }
        catch (Exception)
        {
            return null;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisTopologyCollection : ICollectionFixture<RedisTopologyFixture>
{
    public const string Name = "redis-topology";
}
