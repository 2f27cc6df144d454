using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Queue;

/// <summary>Helpers for driving a <see cref="RedisRefreshQueue"/> without sleeping.</summary>
internal static class QueueTesting
{
    /// <summary>Long enough for anything that should happen in milliseconds; only a failing test waits this long.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a reconnect may take: StackExchange.Redis retries on its heartbeat, and a node that
    /// restarts while the whole suite runs on two cores has been seen to take more than <see cref="Bound"/>.
    /// </summary>
    public static readonly TimeSpan ReconnectBound = TimeSpan.FromSeconds(30);

    // Every deadline of the in-flight set, moved back by ARGV[1] ms: as if that much server time passed.
    private const string ShiftDeadlines = """
        local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
        for i = 1, #members, 2 do
          redis.call('ZADD', KEYS[1], tonumber(members[i + 1]) - tonumber(ARGV[1]), members[i])
        end
        return #members / 2
        """;

    /// <summary>
    /// Moves every deadline of <paramref name="queue"/>'s in-flight requests back by
    /// <paramref name="by"/>: as if that much of the Redis server's time had passed. The deadlines
    /// are on the server's clock, which no test can move; a test moves them instead of waiting.
    /// </summary>
    public static async Task ShiftDeadlinesAsync(this IDatabase database, string queue, TimeSpan by) =>
        await database.ScriptEvaluateAsync(ShiftDeadlines, [(RedisKey)$"cacheback:queue:{{{queue}}}:inflight"], [(long)by.TotalMilliseconds]);

    public static RefreshRequest Request(string key = "k", int attempt = 1) =>
        new("users", key, 7, [1, 2, 3], new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), attempt);

    /// <summary>One take that gives up (null) as soon as the queue has nothing and starts waiting.</summary>
    public static async Task<RefreshRequest?> TakeNowAsync(this RedisRefreshQueue queue)
    {
        using var idle = new CancellationTokenSource();
        void OnIdle() => idle.Cancel();
        queue.Idle += OnIdle;
        try
        {
            return await queue.TakeAsync(idle.Token).AsTask().WaitAsync(Bound);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            queue.Idle -= OnIdle;
        }
    }

    /// <summary>A take bounded by <see cref="Bound"/>: the request it waited for.</summary>
    public static async Task<RefreshRequest> TakeWithinBoundAsync(this RedisRefreshQueue queue)
    {
        using var cancel = new CancellationTokenSource(Bound);
        return await queue.TakeAsync(cancel.Token) ?? throw new InvalidOperationException("The queue was disposed.");
    }
}
