using System.Globalization;
using StackExchange.Redis;

namespace Cacheback.Worker;

/// <summary>
/// The operator's commands on a queue's dead letters, run once: <c>dead list [N]</c>,
/// <c>dead requeue [N]</c>, <c>dead requeue-id ID</c>, <c>dead purge</c>. Results go to stdout,
/// one line each, starting with a word a script can match on.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>list [N]</c> (default 20): <c>counts pending {p} inflight {i} dead {d}</c>, then the
/// newest N dead letters, newest first: <c>{id} {dead at} attempts={n} {job} '{key}': {error}</c>,
/// or <c>{id} {dead at} attempts={n} unreadable request '{raw}': {error}</c>.</item>
/// <item><c>requeue [N]</c> (default 100): <c>requeued {n}</c>, then the counts. The oldest go
/// first; it stops when the pending list is full, and skips unreadable requests (both are logged
/// on stderr).</item>
/// <item><c>requeue-id ID</c>: <c>requeued 1</c> or <c>requeued 0</c>, then the counts.</item>
/// <item><c>purge</c>: <c>purged {n}</c>.</item>
/// </list>
/// Exit codes: 0 done, 1 Redis unreachable (or the queue full, for <c>requeue-id</c>), 2 bad usage.
/// </remarks>
public static class DeadLetterCommand
{
    /// <summary>What the commands are; printed on bad usage.</summary>
    public const string Usage = "usage: dead list [N] | dead requeue [N] | dead requeue-id ID | dead purge";

    /// <summary>Runs one command (<paramref name="arguments"/> are the words after <c>dead</c>).</summary>
    public static async Task<int> RunAsync(RedisRefreshQueue queue, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            switch (arguments)
            {
                case ["list"] or ["list", _] when Count(arguments, 20) is { } count:
                    await WriteCountsAsync(queue, output).ConfigureAwait(false);
                    foreach (var dead in await queue.DeadLettersAsync(count).ConfigureAwait(false))
                        output.WriteLine(Describe(dead));
                    return 0;
                case ["requeue"] or ["requeue", _] when Count(arguments, 100) is { } count:
                    output.WriteLine($"requeued {await queue.RequeueDeadLettersAsync(count).ConfigureAwait(false)}");
                    await WriteCountsAsync(queue, output).ConfigureAwait(false);
                    return 0;
                case ["requeue-id", var id]:
                    output.WriteLine($"requeued {(await queue.RequeueDeadLetterAsync(id).ConfigureAwait(false) ? 1 : 0)}");
                    await WriteCountsAsync(queue, output).ConfigureAwait(false);
                    return 0;
                case ["purge"]:
                    output.WriteLine($"purged {await queue.PurgeDeadLettersAsync().ConfigureAwait(false)}");
                    return 0;
                default:
                    error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Exception e) when (e is RefreshQueueUnavailableException or RedisException or TimeoutException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The optional count after the command: <paramref name="otherwise"/> when absent, null when not a positive number.</summary>
    private static int? Count(IReadOnlyList<string> arguments, int otherwise) =>
        arguments.Count < 2 ? otherwise
        : int.TryParse(arguments[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 ? count
        : null;

    private static async Task WriteCountsAsync(RedisRefreshQueue queue, TextWriter output)
    {
        var counts = await queue.CountsAsync().ConfigureAwait(false);
        output.WriteLine($"counts pending {counts.Pending} inflight {counts.InFlight} dead {counts.DeadLettered}");
    }

    private static string Describe(RedisDeadLetter dead)
    {
        var head = $"{dead.Id} {dead.DeadAt.ToString("O", CultureInfo.InvariantCulture)} attempts={dead.Attempts}";
        return dead.Request is { } request
            ? $"{head} {request.Job} '{request.Key}': {dead.Error}"
            : $"{head} unreadable request '{dead.RawRequest}': {dead.Error}";
    }
}
