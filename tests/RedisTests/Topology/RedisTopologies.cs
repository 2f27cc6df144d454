namespace Cacheback.Tests.Redis;

/// <summary>Questions about where things land, asked the same way of any <see cref="IRedisTopology"/>.</summary>
public static class RedisTopologies
{
    /// <summary>
    /// How many candidates to try before giving up: each lands on a given node of three with a chance
    /// of about a third, so a thousand misses mean the hashing is broken, not unlucky.
    /// </summary>
    private const int Candidates = 1000;

    /// <summary>
    /// One name per node, in node order: for each node the first of <paramref name="candidate"/>(0),
    /// <paramref name="candidate"/>(1), ... whose key (<paramref name="keyOf"/>) lands on that node.
    /// On one server, just <paramref name="candidate"/>(0).
    /// </summary>
    public static async Task<string[]> OnEveryNodeAsync(this IRedisTopology topology, Func<int, string> candidate, Func<string, string> keyOf)
    {
        var names = new string[topology.NodeCount];
        for (var node = 0; node < names.Length; node++)
            names[node] = await topology.OnNodeAsync(node, candidate, keyOf);
        return names;
    }

    /// <summary>The first of <paramref name="candidate"/>(0), <paramref name="candidate"/>(1), ... whose key (<paramref name="keyOf"/>) lands on node <paramref name="node"/>.</summary>
    /// <exception cref="InvalidOperationException">None of the first thousand does.</exception>
    public static async Task<string> OnNodeAsync(this IRedisTopology topology, int node, Func<int, string> candidate, Func<string, string> keyOf)
    {
        for (var i = 0; i < Candidates; i++)
        {
            if (await topology.NodeOfAsync(keyOf(candidate(i))) == node)
                return candidate(i);
        }

        throw new InvalidOperationException(
            $"None of {Candidates} candidates from '{candidate(0)}' has its key ('{keyOf(candidate(0))}', ...) on node {node} of the {topology.Kind} topology.");
    }
}
