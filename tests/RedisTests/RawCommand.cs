using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cacheback.Tests.Redis;

/// <summary>
/// One Redis command on a raw loopback socket, for setting servers up: no client library's view of
/// the server (its cluster topology, its reconnects) gets in the way while a cluster is being formed.
/// </summary>
internal static class RawCommand
{
    /// <summary>Sends <paramref name="arguments"/> to 127.0.0.1:<paramref name="port"/>; the reply as text (simple, bulk or integer).</summary>
    /// <exception cref="InvalidOperationException">Redis answered with an error, or not in RESP.</exception>
    public static async Task<string> SendAsync(int port, CancellationToken cancellationToken, params string[] arguments)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken);

        var line = await ReadLineAsync(stream, cancellationToken);
        var what = string.Join(' ', arguments);
        switch (line[0])
        {
            case '+':
            case ':':
                return line[1..];
            case '-':
                throw new InvalidOperationException($"Redis on port {port} refused '{what}': {line[1..]}");
            case '$':
                var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                if (length < 0)
                    return "";
                var body = new byte[length + 2];
                await stream.ReadExactlyAsync(body, cancellationToken);
                return Encoding.UTF8.GetString(body, 0, length);
            default:
                throw new InvalidOperationException($"Redis on port {port} answered '{what}' with '{line}', which this helper does not read.");
        }
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            if (one[0] == '\n' && line.Count > 0 && line[^1] == '\r')
                return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
            line.Add(one[0]);
        }
    }
}
