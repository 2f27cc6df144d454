using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// Where one <see cref="RedisRefreshQueue"/> lives: its keys in one Redis database, its options and
/// log, and the steps its parts share (completing a delivery, reporting dropped dead letters,
/// naming an outage).
/// </summary>
internal sealed class QueueStore(IDatabase database, RedisQueueKeys keys, RedisQueueOptions options, ILogger logger, string name, RedisValue wakeChannel)
{
    public IDatabase Database => database;
    public RedisQueueKeys Keys => keys;
    public RedisQueueOptions Options => options;
    public ILogger Logger => logger;
    public string Name => name;

    /// <summary>The pub/sub channel every script that makes work publishes on, with the connection's channel prefix.</summary>
    public RedisValue WakeChannel => wakeChannel;

    /// <summary>Runs the complete script: 0 (not this delivery), 1 (acknowledged), 2 (queued again), 3 (dead-lettered).</summary>
    public async Task<long> Complete(QueueDelivery delivery, string action, string error)
    {
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(
            LuaScripts.Complete, keys.All, [delivery.Id, delivery.Attempt, action, options.MaxAttempts, error, wakeChannel, options.MaxDeadLetters]).ConfigureAwait(false))!;
        DroppedDeadLetters((long)result[1]);
        return (long)result[0];
    }

    /// <summary>Says when a script dropped the oldest dead letters to keep within <see cref="RedisQueueOptions.MaxDeadLetters"/>.</summary>
    public void DroppedDeadLetters(long dropped)
    {
        if (dropped > 0)
            RedisLog.DeadLettersDropped(logger, name, dropped, options.MaxDeadLetters);
    }

    /// <summary>Runs <paramref name="command"/>; Redis unreachable or too slow becomes a <see cref="RefreshQueueUnavailableException"/> that says what was <paramref name="notDone"/>.</summary>
    public async Task<T> Unavailable<T>(Func<Task<T>> command, string notDone)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            throw new RefreshQueueUnavailableException($"The Redis refresh queue '{name}' cannot be reached ({e.Message}); {notDone}.", e);
        }
    }

    /// <summary>How many requests are pending, in flight and dead-lettered.</summary>
    public async Task<RedisQueueCounts> CountsAsync()
    {
        var pending = database.ListLengthAsync(keys.Pending);
        var inFlight = database.SortedSetLengthAsync(keys.InFlight);
        var dead = database.ListLengthAsync(keys.Dead);
        // All three observed, whichever fails.
        await Task.WhenAll(pending, inFlight, dead).ConfigureAwait(false);
        return new RedisQueueCounts(pending.Result, inFlight.Result, dead.Result);
    }
}
