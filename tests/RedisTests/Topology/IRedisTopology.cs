using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis;

/// <summary>
/// A running Redis as a test sees it, whatever its shape: one server is a cluster of one node that
/// owns every slot. So a check that keys spread over every node, or that a key lives on the node
/// owning its slot, asks something real on one server too (the one node holds it), and means the
/// most on the cluster.
/// </summary>
public interface IRedisTopology
{
    Topology Kind { get; }

    /// <summary>How many nodes hold data: 1, or 3 for the cluster.</summary>
    int NodeCount { get; }

    /// <summary>A connection shared by the tests of the collection.</summary>
    ConnectionMultiplexer Connection { get; }

    /// <summary>A second shared connection: another application node. Shared rather than opened per test, since closing a connection can take up to its syncTimeout.</summary>
    ConnectionMultiplexer OtherConnection { get; }

    /// <summary>A StackExchange.Redis connection string naming every node.</summary>
    string ConnectionString { get; }

    /// <summary>A key prefix of the calling test's own: tests never see each other's keys.</summary>
    string Prefix([CallerMemberName] string test = "");

    /// <summary>A new connection, which the caller disposes; it is up (and knows every node) once it returns.</summary>
    /// <param name="connectionString">Default <see cref="ConnectionString"/>.</param>
    Task<ConnectionMultiplexer> ConnectAsync(string? connectionString = null);

    /// <summary>Which node (0 to <see cref="NodeCount"/> - 1) owns <paramref name="key"/>'s slot, by the server's own hashing.</summary>
    Task<int> NodeOfAsync(string key);

    /// <summary>Whether <paramref name="key"/> is stored on node <paramref name="node"/> itself (asked on a raw socket: no redirect is followed).</summary>
    Task<bool> IsStoredOnAsync(int node, string key);

    /// <summary>How many keys starting with <paramref name="prefix"/> each node holds.</summary>
    int[] KeysPerNode(string prefix);
}
