namespace Cacheback.Tests.Redis;

/// <summary>Questions about where things land, asked the same way of any <see cref="IRedisTopology"/>.</summary>
public static class RedisTopologies
{
    /// <summary>
    /// One name per node, in node order: for each node the first of <paramref name="candidate"/>(0),
    /// <paramref name="candidate"/>(1), ... whose key (<paramref name="keyOf"/>) lands on that node.
    /// On one server, just <paramref name="candidate"/>(0).
    /// </summary>
    public static async Task<string[]> OnEveryNodeAsync(this IRedisTopology topology, Func<int, string> candidate, Func<string, string> keyOf)
    {
        var names = new string?[topology.NodeCount];
        for (var i = 0; names.Contains(null); i++)
        {
            var name = candidate(i);
            names[await topology.NodeOfAsync(keyOf(name))] ??= name;
        }

        return names!;
    }

    /// <summary>A name whose key (<paramref name="keyOf"/>) lands on node <paramref name="node"/>.</summary>
    public static async Task<string> OnNodeAsync(this IRedisTopology topology, int node, Func<int, string> candidate, Func<string, string> keyOf)
    {
        for (var i = 0; ; i++)
        {
            if (await topology.NodeOfAsync(keyOf(candidate(i))) == node)
                return candidate(i);
        }
    }
}
