using System.Net;
using System.Net.Sockets;

namespace Cacheback.Tests.Redis.Execution;

/// <summary>
/// A loopback TCP proxy in front of a redis-server that can hold the server's answers: while held,
/// the client's commands reach the server but nothing comes back, for as long as the test wants
/// (what a stalled server or network looks like to the client); released, the late answers arrive.
/// Unlike CLIENT PAUSE, which must be given a duration and runs out by itself, the hold ends only
/// when the test says so.
/// </summary>
internal sealed class HoldingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private TaskCompletionSource _open = Opened();

    public HoldingProxy(int serverPort)
    {
        _serverPort = serverPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>From now on, answers wait in the proxy.</summary>
    public void Hold()
    {
        var open = Volatile.Read(ref _open);
        if (open.Task.IsCompleted)
            Interlocked.CompareExchange(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), open);
    }

    /// <summary>The held answers go on, and later ones pass.</summary>
    public void Release() => Volatile.Read(ref _open).TrySetResult();

    public void Dispose()
    {
        _stop.Cancel();
        Release();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
                socket.Dispose();
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }

                await server.ConnectAsync(IPAddress.Loopback, _serverPort, _stop.Token);
                _ = PumpAsync(client.GetStream(), server.GetStream(), held: false);
                _ = PumpAsync(server.GetStream(), client.GetStream(), held: true);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed.
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool held)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (await from.ReadAsync(buffer, _stop.Token) is var read and > 0)
            {
                if (held)
                    await Volatile.Read(ref _open).Task.WaitAsync(_stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // Disposed, or the other side closed.
        }
    }
}
