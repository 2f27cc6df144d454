namespace Cacheback.Web;

/// <summary><c>--redis [connection]</c>, as the demo takes it, split from the arguments ASP.NET Core reads.</summary>
internal static class RedisArgument
{
    public const string DefaultConnection = "127.0.0.1:6379";

    /// <summary>The connection string (null without <c>--redis</c>) and the other arguments.</summary>
    public static (string? Redis, string[] Others) Split(string[] args)
    {
        var at = Array.IndexOf(args, "--redis");
        if (at < 0)
            return (null, args);
        var hasValue = at + 1 < args.Length && !args[at + 1].StartsWith('-');
        var connection = hasValue ? args[at + 1] : DefaultConnection;
        return (connection, [.. args.Take(at), .. args.Skip(at + (hasValue ? 2 : 1))]);
    }
}
