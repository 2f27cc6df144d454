using StackExchange.Redis;

namespace Cacheback;

/// <summary>A queue's dead letters: reading them, and the operator's ways out (requeue, purge). <see cref="RedisRefreshQueue"/> documents each.</summary>
internal sealed class DeadLetterOperations(QueueStore queue)
{
    public async Task<IReadOnlyList<RedisDeadLetter>> ReadAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var entries = await queue.Database.ListRangeAsync(queue.Keys.Dead, 0, count - 1).ConfigureAwait(false);
        return entries.Select(entry => RedisDeadLetter.Parse((string?)entry ?? "")).OfType<RedisDeadLetter>().ToArray();
    }

    public async Task<int> RequeueAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        cancellationToken.ThrowIfCancellationRequested();
        var (requeued, kept, full) = await RequeueDead(count, "", "the dead letters were not requeued").ConfigureAwait(false);
        if (requeued > 0)
            RedisLog.DeadLettersRequeued(queue.Logger, queue.Name, requeued);
        if (kept > 0)
            RedisLog.DeadLettersKept(queue.Logger, queue.Name, kept);
        if (full)
            RedisLog.RequeueStoppedFull(queue.Logger, queue.Name, queue.Options.MaxLength);
        return requeued;
    }

    public async Task<bool> RequeueOneAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        cancellationToken.ThrowIfCancellationRequested();
        var (requeued, kept, full) = await RequeueDead(1, id, $"the dead letter {id} was not requeued").ConfigureAwait(false);
        if (full)
            throw new RefreshQueueUnavailableException(
                $"The Redis refresh queue '{queue.Name}' is full: {queue.Options.MaxLength} requests are pending (RedisQueueOptions.MaxLength); the dead letter {id} was not requeued.");
        if (kept > 0)
            RedisLog.DeadLettersKept(queue.Logger, queue.Name, kept);
        if (requeued > 0)
            RedisLog.DeadLettersRequeued(queue.Logger, queue.Name, requeued);
        return requeued > 0;
    }

    public async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var purged = (long)await queue.Unavailable(
            () => queue.Database.ScriptEvaluateAsync(LuaScripts.PurgeDead, queue.Keys.All),
            "the dead letters were not purged").ConfigureAwait(false);
        if (purged > 0)
            RedisLog.DeadLettersPurged(queue.Logger, queue.Name, purged);
        return purged;
    }

    /// <summary>Runs the requeue script for up to <paramref name="count"/> entries, or for the one of <paramref name="id"/> when it is not empty.</summary>
    private async Task<(int Requeued, long Kept, bool Full)> RequeueDead(int count, string id, string notDone)
    {
        var result = (RedisResult[])(await queue.Unavailable(
            () => queue.Database.ScriptEvaluateAsync(LuaScripts.RequeueDead, queue.Keys.All, [count, queue.Options.MaxLength, queue.WakeChannel, id]),
            notDone).ConfigureAwait(false))!;
        return ((int)result[0], (long)result[1], (long)result[2] == 1);
    }
}
