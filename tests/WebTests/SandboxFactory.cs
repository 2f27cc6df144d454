using System.Net;
using Cacheback.Sandbox;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cacheback.Web.Tests;

/// <summary>
/// The sandbox app, as <c>dotnet run</c> starts it (embedded), on a database file of its own. With a
/// <see cref="FakeTimeProvider"/> the app's runtime, its slow fetch and the live feed all run on it.
/// </summary>
public sealed class SandboxFactory : WebApplicationFactory<Program>
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"cacheback-webtests-{Guid.NewGuid():N}.db");
    private readonly FakeTimeProvider? _time;
    private readonly bool _kestrel;
    private readonly string? _redis;
    private RefreshTally? _refreshes;

    private SandboxFactory(FakeTimeProvider? time, bool kestrel, string? redis = null)
    {
        _time = time;
        _kestrel = kestrel;
        _redis = redis;
        if (kestrel)
            UseKestrel(o => o.Listen(IPAddress.Loopback, 0)); // a free loopback port
    }

    /// <summary>The app in memory (TestServer), on a fake clock starting at a fixed moment.</summary>
    public static SandboxFactory OnFakeTime() => new(new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero)), kestrel: false);

    /// <summary>The app on a real loopback port and the real clock, for a browser.</summary>
    public static SandboxFactory OnKestrel() => new(null, kestrel: true);

    /// <summary>The app as a web node on Redis (<c>--redis</c>), leaving refreshes to worker processes; the real clock.</summary>
    public static SandboxFactory OnRedis(string connection) => new(null, kestrel: false, connection);

    /// <summary>The SQLite file, for a worker process to share.</summary>
    public string Database => _database;

    public FakeTimeProvider Time => _time ?? throw new InvalidOperationException("This factory runs on the real clock.");

    public FetchCounter Fetches => Services.GetRequiredService<FetchCounter>();

    /// <summary>The background refreshes that have ended (their values written), per job; from the host's start.</summary>
    public RefreshTally Refreshes
    {
        get
        {
            StartServer();
            return _refreshes!;
        }
    }

    /// <summary>The address a browser opens (Kestrel only).</summary>
    public Uri ServerAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Sandbox:Database", _database);
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)); // the test output stays readable
        // Short in real time (the browser test); on the fake clock the length is whatever the test advances.
        builder.UseSetting("Sandbox:SlowFetch", _time is null ? "00:00:00.200" : "00:00:03");
        if (_redis is not null)
            builder.UseSetting("Sandbox:Redis", _redis);
        if (_time is not null)
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(_time));
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder); // started: no read has been served yet, so no refresh has ended
        _refreshes = new RefreshTally(host.Services.GetRequiredService<CachebackRuntime>());
        return host;
    }

    protected override void Dispose(bool disposing)
    {
        _refreshes?.Dispose();
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // SQLite holds the file open otherwise
        foreach (var file in new[] { _database, _database + "-wal", _database + "-shm" }) // a worker process may have used write-ahead logging
            File.Delete(file);
    }
}
