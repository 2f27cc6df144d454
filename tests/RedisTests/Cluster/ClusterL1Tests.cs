using Cacheback.Tests.Redis.L1;

namespace Cacheback.Tests.Redis.Cluster;

/// <summary>Two L1 nodes (the fixture's two cluster connections) over keys on every cluster node: invalidations cross the cluster bus.</summary>
[Collection(RedisClusterCollection.Name)]
public class ClusterL1Tests(RedisClusterFixture cluster)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private static Envelope<string> Value(long version, string value) => Envelope.Fresh(version, value, T0, T0.AddMinutes(10));

    [Fact]
    public async Task WriteAndCompareAndSet_OnNodeA_AreSeenByNodeBOnceTheInvalidationArrives()
    {
        var prefix = RedisClusterFixture.Prefix();
        using var a = await L1Node.StartOnAsync(cluster.Connection, prefix);
        using var b = await L1Node.StartOnAsync(cluster.OtherConnection, prefix);

        foreach (var key in await KeysOnEveryNodeAsync(prefix))
        {
            // Wait for A's invalidation to reach B: arriving later, it would evict what B reads next.
            var created = b.NextInvalidation(key);
            await a.Partition().WriteAsync(key, Value(1, "old"), Ttl);
            await created;
            Assert.Equal("old", (await b.Partition().ReadAsync(key))?.Value);
            Assert.True(b.Partition().ReadAsync(key).IsCompletedSuccessfully, "b should now serve the key from memory");
            var written = b.NextInvalidation(key);

            await a.Partition().WriteAsync(key, Value(2, "new"), Ttl);

            await written;
            Assert.Equal("new", (await b.Partition().ReadAsync(key))?.Value);
            var claimed = b.NextInvalidation(key);

            Assert.True(await a.Partition().CompareAndSetAsync(key, 2, Value(2, "new").WithLease(7, T0.AddSeconds(30)), Ttl));

            await claimed;
            Assert.Equal(7, (await b.Partition().ReadAsync(key))?.Version);
            Assert.False(await b.Partition().CompareAndSetAsync(key, 2, Value(3, "b's"), Ttl));
        }
    }

    [Fact]
    public async Task Delete_OnNodeA_IsSeenByNodeBOnceTheInvalidationArrives()
    {
        var prefix = RedisClusterFixture.Prefix();
        using var a = await L1Node.StartOnAsync(cluster.Connection, prefix);
        using var b = await L1Node.StartOnAsync(cluster.OtherConnection, prefix);

        foreach (var key in await KeysOnEveryNodeAsync(prefix))
        {
            var created = b.NextInvalidation(key);
            await a.Partition().WriteAsync(key, Value(1, "old"), Ttl);
            await created;
            Assert.NotNull(await b.Partition().ReadAsync(key));
            Assert.True(b.Partition().ReadAsync(key).IsCompletedSuccessfully, "b should now serve the key from memory");
            var deleted = b.NextInvalidation(key);

            Assert.True(await a.Partition().DeleteAsync(key));

            await deleted;
            Assert.Null(await b.Partition().ReadAsync(key));
        }
    }

    /// <summary>One key of the "users" partition per cluster node: key i is stored on node i.</summary>
    private async Task<string[]> KeysOnEveryNodeAsync(string prefix)
    {
        var keys = new string?[cluster.Nodes.Count];
        for (var i = 0; keys.Contains(null); i++)
            keys[await cluster.NodeOfAsync($"{prefix}users:k{i}")] ??= $"k{i}";
        return keys!;
    }
}
