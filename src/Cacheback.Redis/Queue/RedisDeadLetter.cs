using System.Text.Json;

namespace Cacheback;

/// <summary>A refresh request that ran out of attempts, as the dead-letter list keeps it.</summary>
/// <param name="Id">Its id in the queue.</param>
/// <param name="Request">The request, with the attempt it died on; none when its payload was unreadable (see <see cref="RawRequest"/>).</param>
/// <param name="RawRequest">The request's JSON as it was queued.</param>
/// <param name="Attempts">How many times it was delivered.</param>
/// <param name="Error">Why the last attempt failed.</param>
/// <param name="DeadAt">When it was dead-lettered, by the Redis server's clock.</param>
public sealed record RedisDeadLetter(string Id, RefreshRequest? Request, string RawRequest, int Attempts, string Error, DateTimeOffset DeadAt)
{
    /// <summary>Reads an entry the queue's scripts wrote; null for anything else.</summary>
    internal static RedisDeadLetter? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var id = root.GetProperty("id").GetString() ?? "";
            var attempts = root.GetProperty("attempts").GetInt32();
            var raw = root.GetProperty("request").GetString() ?? "";
            var request = QueuedRequest.Parse(raw, out _)?.ToRequest(attempts);
            return new RedisDeadLetter(
                id,
                request,
                raw,
                attempts,
                root.GetProperty("error").GetString() ?? "",
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("deadAtMs").GetInt64()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
