using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>SQLite, embedded: a database file per test in a temporary directory (each context opens its own connection, as on a server).</summary>
public sealed class SqliteDatabase : TestDatabase
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cacheback-sqlite-");

    public override string Provider => "SQLite";

    public override Task InitializeAsync() => Task.CompletedTask;

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
        return Task.CompletedTask;
    }

    protected override DbContextOptions<ShopContext> OptionsFor(string test) =>
        new DbContextOptionsBuilder<ShopContext>().UseSqlite($"Data Source={Path.Combine(_directory.FullName, test + ".db")}").Options;
}
