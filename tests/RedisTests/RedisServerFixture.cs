using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis;

/// <summary>One redis-server for the whole collection, and one connection to it.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>A key prefix of the calling test's own, as StackExchange.Redis's tests do: tests never see each other's keys.</summary>
    public static string Prefix([CallerMemberName] string test = "") => $"test:{test}:";

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await _server.ConnectAsync();
    }

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        _server?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
