using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// Bounds a Redis command in time. StackExchange.Redis 1.x never times out an async command (only
/// sync ones, after syncTimeout), so a server that stops answering without closing the socket
/// would hold a read forever; we give up after the connection's syncTimeout instead.
/// </summary>
internal static class RedisCall
{
    public static async Task<T> Within<T>(IConnectionMultiplexer connection, Task<T> command, string what)
    {
        var timeout = Timeout(connection);
        try
        {
            return await command.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!command.IsCompleted)
        {
            throw Abandon(command, what, timeout);
        }
    }

    /// <summary>How long a command may take: the connection's syncTimeout.</summary>
    public static TimeSpan Timeout(IConnectionMultiplexer connection) => TimeSpan.FromMilliseconds(Math.Max(1, connection.TimeoutMilliseconds));

    /// <summary>Gives up on <paramref name="command"/>: whatever it ends with later is observed, not left to the finalizer.</summary>
    public static TimeoutException Abandon(Task command, string what, TimeSpan timeout)
    {
        _ = command.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new TimeoutException($"Redis did not answer {what} within {timeout.TotalMilliseconds} ms (the connection's syncTimeout).");
    }

    /// <summary>Whether <paramref name="e"/> says Redis could not be used (down, unreachable, too slow, refusing), rather than a bug of ours.</summary>
    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException;

    /// <summary>Milliseconds for PX, at least 1 (Redis's resolution; a sub-millisecond TTL would be refused).</summary>
    public static long PxMilliseconds(TimeSpan ttl, string parameterName)
    {
        if (ttl <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(parameterName, ttl, "A TTL must be positive.");
        return (long)Math.Ceiling(ttl.TotalMilliseconds);
    }
}
