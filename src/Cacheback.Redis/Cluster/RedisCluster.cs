using StackExchange.Redis;

namespace Cacheback;

/// <summary>What a Redis Cluster cannot do, refused when a store or a queue is built rather than met on every command.</summary>
internal static class RedisCluster
{
    /// <summary>
    /// Throws when <paramref name="connection"/> is connected to a Redis Cluster and its default database
    /// is not 0. A cluster has only database 0, so every command would fail and nothing would be cached.
    /// Only a server that is connected says it is a cluster: unknowable while none is.
    /// </summary>
    /// <param name="connection">The connection a store or queue is built over.</param>
    /// <param name="disposeWhenRefused">Dispose <paramref name="connection"/> before throwing (the caller opened it and would leak it).</param>
    /// <exception cref="ArgumentException">The connection uses a database other than 0 on a cluster.</exception>
    public static void RequireDatabaseZero(IConnectionMultiplexer connection, bool disposeWhenRefused = false)
    {
        var database = connection.GetDatabase().Database;
        if (database == 0 || !IsCluster(connection))
            return;
        if (disposeWhenRefused)
            connection.Dispose();
        throw new ArgumentException(
            $"The Redis connection is to a Redis Cluster, which has only database 0, and it uses database {database} "
            + "(defaultDatabase in the connection string): leave defaultDatabase out, and keep applications apart by key prefix.",
            nameof(connection));
    }

    private static bool IsCluster(IConnectionMultiplexer connection) =>
        connection.GetEndPoints().Select(endPoint => connection.GetServer(endPoint)).Any(server => server.IsConnected && server.ServerType == ServerType.Cluster);
}
