using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>A real PostgreSQL server (<see cref="PostgresServer"/>) for a test class: a database per test on it.</summary>
public sealed class PostgresDatabase : TestDatabase
{
    private PostgresServer? _server;

    public override string Provider => "PostgreSQL";

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public override async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public override Task DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        _server?.Dispose();
        return Task.CompletedTask;
    }

    protected override DbContextOptions<ShopContext> OptionsFor(string test) =>
        new DbContextOptionsBuilder<ShopContext>().UseNpgsql(Server.ConnectionString(DatabaseName(test))).Options;

    /// <summary>A PostgreSQL identifier (lower case, at most 63 bytes) of the test's own.</summary>
    private static string DatabaseName(string test)
    {
        var name = "t_" + new string(test.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return name.Length <= 63 ? name : name[..54] + "_" + (uint)StringComparer.Ordinal.GetHashCode(test) % 100_000_000;
    }
}
