namespace Cacheback;

/// <summary>
/// Strings that came from Redis, cut to a bounded prefix before they go into a log line or a dead
/// letter: anyone who can write to Redis could otherwise put megabytes into every line.
/// </summary>
internal static class Bounded
{
    /// <summary>The longest prefix kept.</summary>
    public const int MaxLength = 200;

    /// <summary><paramref name="text"/> itself when short, else its first <paramref name="max"/> characters and how long it was.</summary>
    public static string Text(string? text, int max = MaxLength) =>
        text is null ? "" : text.Length <= max ? text : $"{text[..max]}... ({text.Length} characters)";
}
