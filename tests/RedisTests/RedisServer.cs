using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis;

/// <summary>
/// A redis-server of our own on a free loopback port, in a temporary directory, persisting
/// nothing; killed on dispose. Fails loudly when redis-server is not installed.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly string _directory;
    private readonly IReadOnlyList<string> _arguments;
    private bool _restarted;

    private RedisServer(Process process, string directory, int port, IReadOnlyList<string> arguments)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    /// <summary>
    /// A StackExchange.Redis connection string for this server. The connect timeout is generous: when
    /// the suite starts, many servers and processes start at once on two cores, and a first connect
    /// that outlasts it leaves a connection that is not up yet.
    /// </summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=10000,syncTimeout=2000";

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Raised for every line the server logs once it is ready (on the thread that reads its output,
    /// in order): a wait on what the server does can wake on what it says it did.
    /// </summary>
    public event Action<string>? Logged;

    /// <summary>Starts a server on <paramref name="port"/> (default: a free one); on the port of a killed server to restart it.</summary>
    /// <param name="port">The port; default a free one.</param>
    /// <param name="arguments">More redis-server options, after ours (e.g. <c>--cluster-enabled yes</c>).</param>
    public static async Task<RedisServer> StartAsync(int? port = null, IReadOnlyList<string>? arguments = null) =>
        port is { } given
            ? await StartAsync(given, arguments ?? [], NewDirectory())
            : (await StartOnFreePortsAsync(0, _ => arguments ?? [])).Server;

    /// <summary>
    /// Starts a server on a free port, with <paramref name="extraPorts"/> more free ports handed to
    /// <paramref name="argumentsFor"/> (a TLS port, say). A port free when picked may be taken by
    /// another process (another test assembly starting its servers) before the server binds it: a
    /// start that fails with "Address already in use" tries again, on new ports, a few times.
    /// </summary>
    public static async Task<(RedisServer Server, int[] ExtraPorts)> StartOnFreePortsAsync(int extraPorts, Func<int[], IReadOnlyList<string>> argumentsFor)
    {
        const int Attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var extra = Enumerable.Range(0, extraPorts).Select(_ => FreeLoopbackPort()).ToArray();
            try
            {
                return (await StartAsync(FreeLoopbackPort(), argumentsFor(extra), NewDirectory()), extra);
            }
            catch (InvalidOperationException e) when (attempt < Attempts && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Lost a port to another process between picking it and binding it: pick again.
            }
        }
    }

    private static string NewDirectory() => Directory.CreateTempSubdirectory("cacheback-redis-").FullName;

    /// <summary>
    /// Kills the server if it still runs and starts it again on the same port, with the same options and
    /// directory (a cluster node finds its nodes.conf there and rejoins); this object is then spent.
    /// </summary>
    public async Task<RedisServer> RestartAsync()
    {
        Kill();
        _process.Dispose();
        _restarted = true;
        return await StartAsync(Port, _arguments, _directory);
    }

    private static async Task<RedisServer> StartAsync(int? port, IReadOnlyList<string> arguments, string directory)
    {
        var executable = FindOnPath("redis-server")
            ?? throw new InvalidOperationException(
                "redis-server is not on PATH. The Redis tests run against a real server: install it "
                + "(Debian: apt-get install redis-server; eng/test.sh does this when run as root).");
        port ??= FreeLoopbackPort();
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--protected-mode", "yes", "--loglevel", "notice" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // redis-server says when it listens: wait for that line, not for a port to open.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RedisServer? server = null;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            output.Enqueue(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
                ready.TrySetResult();
            Volatile.Read(ref server)?.Logged?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new RedisServer(process, directory, port.Value, arguments);
        Volatile.Write(ref server, started);
        try
        {
            await ready.Task.WaitAsync(StartTimeout);
            await started.PingAsync();
        }
        catch (Exception e)
        {
            started.Dispose();
            throw new InvalidOperationException(
                $"redis-server on port {port} was not ready and answering PING within {StartTimeout.TotalSeconds} s: {e.Message}. Its output: {string.Join(" | ", output)}", e);
        }

        return started;
    }

    public Task<ConnectionMultiplexer> ConnectAsync() => ConnectedAsync(ConnectionString);

    /// <summary>
    /// A connection that is up, or a clear failure. With abortConnect=false StackExchange.Redis returns
    /// from a first connect that outlasted connectTimeout with a connection still trying in the
    /// background, and a test using it would see "No connection is available" (it happened when the
    /// suite starts many servers at once on two cores). The connect timeout of
    /// <see cref="ConnectionString"/> is generous for that reason; a connection not up by then fails here.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectedAsync(string connectionString)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        if (connection.IsConnected)
            return connection;
        connection.Dispose();
        throw new InvalidOperationException($"No connection to {connectionString.Split(',')[0]} within the connect timeout of '{connectionString}'.");
    }

    /// <summary>Kills the server now (what a crash or a network cut looks like to clients).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        if (_restarted)
            return;
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    /// <summary>One PING on a raw socket: the server that said it is ready answers.</summary>
    private async Task PingAsync()
    {
        using var deadline = new CancellationTokenSource(StartTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, deadline.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), deadline.Token);
        var buffer = new byte[16];
        var read = await stream.ReadAsync(buffer, deadline.Token);
        var answer = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        // A server with requirepass answers too, by asking for the password.
        if (!answer.StartsWith("+PONG", StringComparison.Ordinal) && !answer.StartsWith("-NOAUTH", StringComparison.Ordinal))
            throw new InvalidOperationException($"PING was answered '{answer.Trim()}'");
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
