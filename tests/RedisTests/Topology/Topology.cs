namespace Cacheback.Tests.Redis;

/// <summary>The Redis a theory runs on: <c>[InlineData(Topology.Single)] [InlineData(Topology.Cluster)]</c>.</summary>
public enum Topology
{
    /// <summary>One redis-server.</summary>
    Single,

    /// <summary>A Redis Cluster of three masters, each owning a third of the slots.</summary>
    Cluster,
}
