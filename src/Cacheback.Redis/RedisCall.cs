using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// What every Redis call of ours shares. Commands are bounded in time by the client itself: a
/// command that Redis does not answer within the connection's <c>asyncTimeout</c> (default: its
/// <c>syncTimeout</c>, 5 s) fails with <see cref="RedisTimeoutException"/>, so no call here adds a
/// timer of its own.
/// </summary>
internal static class RedisCall
{
    /// <summary>Whether <paramref name="e"/> says Redis could not be used (down, unreachable, too slow, refusing), rather than a bug of ours.</summary>
    /// <remarks><see cref="RedisTimeoutException"/> is both; a plain <see cref="TimeoutException"/> counts too.</remarks>
    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException;

    /// <summary>Milliseconds for PX, at least 1 (Redis's resolution; a sub-millisecond TTL would be refused).</summary>
    public static long PxMilliseconds(TimeSpan ttl, string parameterName)
    {
        if (ttl <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(parameterName, ttl, "A TTL must be positive.");
        return (long)Math.Ceiling(ttl.TotalMilliseconds);
    }

    /// <summary>
    /// The connection's channel prefix: subscribers get it added by the client, but a Lua script's
    /// PUBLISH is raw, so it adds it itself.
    /// </summary>
    public static string ChannelPrefix(IConnectionMultiplexer connection)
    {
        try
        {
            return (string?)ConfigurationOptions.Parse(connection.Configuration, ignoreUnknown: true).ChannelPrefix ?? "";
        }
        catch (ArgumentException)
        {
            return "";
        }
    }
}
