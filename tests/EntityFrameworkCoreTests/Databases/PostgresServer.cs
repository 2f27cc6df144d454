using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>
/// A PostgreSQL server of our own (Debian's <c>postgresql</c> binaries): a new cluster in a temporary
/// directory, trusting local connections, listening on a free loopback port; stopped and removed on
/// dispose. PostgreSQL refuses to run as root, so as root it runs as the <c>postgres</c> user the
/// package creates. Fails loudly when the binaries are missing: these tests never skip.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _pgCtl;
    private readonly string _directory;
    private readonly string _data;

    private PostgresServer(string pgCtl, string directory, int port)
    {
        _pgCtl = pgCtl;
        _directory = directory;
        _data = Path.Combine(directory, "data");
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=30;Command Timeout=60";

    /// <summary>
    /// Starts a server on a free port. A port free when picked may be taken by another process (another
    /// test assembly starting its servers) before the server binds it: then it starts again, on a new
    /// port, a few times.
    /// </summary>
    public static async Task<PostgresServer> StartAsync()
    {
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync();
            }
            catch (InvalidOperationException e) when (attempt < Attempts && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Lost the port between picking it and binding it: pick again.
            }
        }
    }

    private static async Task<PostgresServer> StartOnceAsync()
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL's server binaries (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH. The EF Core tests run "
            + "against a real server: install it (Debian: apt-get install postgresql; eng/test.sh does this when run as root).");
        var directory = Directory.CreateTempSubdirectory("cacheback-postgres-").FullName;
        var server = new PostgresServer(Path.Combine(bin, "pg_ctl"), directory, FreeLoopbackPort());
        try
        {
            if (Environment.IsPrivilegedProcess)
                await RunAsync("chown", ["-R", "postgres:postgres", directory], asPostgres: false);
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", server._data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);
            // The server's own output goes to its log file (pg_ctl redirects it), so nothing holds our pipes.
            var settings = string.Join(' ',
                $"-p {server.Port.ToString(CultureInfo.InvariantCulture)}", "-c listen_addresses=127.0.0.1", $"-k {directory}",
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=50");
            await RunAsync(server._pgCtl, ["-D", server._data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-o", settings, "start"], asPostgres: true);
        }
        catch (Exception e)
        {
            var log = Path.Combine(directory, "server.log");
            var tail = File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(20)) : "(no server log)";
            server.Dispose();
            throw new InvalidOperationException($"PostgreSQL did not start on port {server.Port}: {e.Message}. Server log: {tail}", e);
        }

        return server;
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(_data) && File.Exists(Path.Combine(_data, "postmaster.pid")))
                RunAsync(_pgCtl, ["-D", _data, "-m", "immediate", "-w", "stop"], asPostgres: true).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Runs a command to its end (as the postgres user when we are root), or throws with its output.</summary>
    private static async Task RunAsync(string executable, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres && Environment.IsPrivilegedProcess ? "runuser" : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", executable])
                start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout + TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(executable)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await errors}");
    }

    /// <summary>The newest installed major version's bin directory, or the one of pg_ctl on PATH.</summary>
    private static string? FindBinaries()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Bin, "pg_ctl")) && File.Exists(Path.Combine(d.Bin, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null;
        return installed ?? (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")) && File.Exists(Path.Combine(d, "initdb")));
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
