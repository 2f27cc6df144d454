using System.Net;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis;

/// <summary>One redis-server of our own and two connections to it; killed on dispose.</summary>
public sealed class RedisSingleTopology : IRedisTopology, IDisposable
{
    private RedisSingleTopology(RedisServer server, ConnectionMultiplexer connection, ConnectionMultiplexer other)
    {
        Server = server;
        Connection = connection;
        OtherConnection = other;
    }

    public RedisServer Server { get; }

    public Topology Kind => Topology.Single;

    public int NodeCount => 1;

    public ConnectionMultiplexer Connection { get; }

    public ConnectionMultiplexer OtherConnection { get; }

    public string ConnectionString => Server.ConnectionString;

    public static async Task<RedisSingleTopology> StartAsync()
    {
        var server = await RedisServer.StartAsync();
        ConnectionMultiplexer? connection = null;
        try
        {
            connection = await server.ConnectAsync();
            return new RedisSingleTopology(server, connection, await server.ConnectAsync());
        }
        catch
        {
            connection?.Dispose();
            server.Dispose();
            throw;
        }
    }

    public string Prefix([CallerMemberName] string test = "") => $"test:{test}:";

    public Task<ConnectionMultiplexer> ConnectAsync(string? connectionString = null) =>
        RedisServer.ConnectedAsync(connectionString ?? ConnectionString);

    public Task<int> NodeOfAsync(string key) => Task.FromResult(0);

    public async Task<bool> IsStoredOnAsync(int node, string key)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(node, 0);
        return await RawCommand.SendAsync(Server.Port, CancellationToken.None, "EXISTS", key) == "1";
    }

    public int[] KeysPerNode(string prefix) =>
        [Connection.GetServer(IPAddress.Loopback, Server.Port).Keys(pattern: prefix + "*", pageSize: 1000).Count()];

    public void Dispose()
    {
        foreach (var connection in new[] { Connection, OtherConnection })
        {
            connection.Close(allowCommandsToComplete: false);
            connection.Dispose();
        }

        Server.Dispose();
    }
}
