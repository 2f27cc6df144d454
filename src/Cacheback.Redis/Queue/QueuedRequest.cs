using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacheback;

/// <summary>
/// A <see cref="RefreshRequest"/> as JSON in Redis, with the id that names it in the queue's keys.
/// The job travels as a name: a worker looks it up in its registry, never loads a type.
/// </summary>
internal sealed record QueuedRequest(
    string Id,
    string Job,
    string Key,
    long? ExpectedVersion,
    byte[] Arguments,
    DateTimeOffset EnqueuedAt,
    int Attempt)
{
    public static QueuedRequest From(string id, RefreshRequest request) =>
        new(id, request.Job, request.Key, request.ExpectedVersion, request.Arguments, request.EnqueuedAt, request.Attempt);

    public string ToJson() => JsonSerializer.Serialize(this, QueueJsonContext.Default.QueuedRequest);

    /// <summary>The request, or why the JSON is not one (foreign or corrupted bytes are a value, not an exception).</summary>
    public static QueuedRequest? Parse(string json, out string? error)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(json, QueueJsonContext.Default.QueuedRequest);
            error = parsed switch
            {
                null => "the payload is JSON null",
                { Job: null or "" } => "the payload names no job",
                { Key: null } => "the payload has no key",
                { Arguments: null } => "the payload has no arguments",
                _ => null,
            };
            return error is null ? parsed : null;
        }
        catch (JsonException e)
        {
            error = $"the payload is not a request: {e.Message}";
            return null;
        }
    }

    /// <summary>Why a well-formed request still cannot be run, or null: a job name no job can have (it would fill logs and dead letters).</summary>
    public string? Problem() =>
        Job.Length > JobName.MaxLength
            ? $"the job name is {Job.Length} characters long (at most {JobName.MaxLength}): '{Bounded.Text(Job, 40)}'"
            : Job.Any(char.IsControl)
                ? $"the job name has a control character: '{Bounded.Text(Job, 40)}'"
                : null;

    public RefreshRequest ToRequest(int attempt) => new(Job, Key, ExpectedVersion, Arguments, EnqueuedAt, attempt);
}

/// <summary>Source-generated JSON for <see cref="QueuedRequest"/>: no reflection over types named in data.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(QueuedRequest))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
