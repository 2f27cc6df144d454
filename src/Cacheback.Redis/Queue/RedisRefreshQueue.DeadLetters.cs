using StackExchange.Redis;

namespace Cacheback;

/// <summary>The dead letters: reading them, and the operator's ways out (requeue, purge).</summary>
public sealed partial class RedisRefreshQueue
{
    /// <summary>The newest dead letters, newest first; entries that are not the queue's own are skipped.</summary>
    /// <param name="count">How many to read at most.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public async Task<IReadOnlyList<RedisDeadLetter>> DeadLettersAsync(int count = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var entries = await _database.ListRangeAsync(_keys.Dead, 0, count - 1).ConfigureAwait(false);
        return entries.Select(entry => RedisDeadLetter.Parse((string?)entry ?? "")).OfType<RedisDeadLetter>().ToArray();
    }

    /// <summary>
    /// Queues the oldest dead letters again, oldest first, as if they had just been enqueued: same
    /// id and request, attempt 1 (they get <see cref="RedisQueueOptions.MaxAttempts"/> new
    /// attempts). One atomic step; idle takers are woken.
    /// </summary>
    /// <remarks>
    /// It stops once the pending list holds <see cref="RedisQueueOptions.MaxLength"/> requests (the
    /// rest stay dead). A dead letter whose request is empty or unreadable, or whose id is queued
    /// already, stays dead; it is skipped, not counted in <paramref name="count"/>, and the number
    /// skipped is logged as a warning. (A request the script reads but a worker cannot, such as one
    /// with a malformed date, is dead-lettered again on its next take.)
    /// </remarks>
    /// <param name="count">How many to requeue at most.</param>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>How many were queued again.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="RefreshQueueUnavailableException">Redis cannot be reached (when it did not answer in time, the requeue may have happened nonetheless).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public async Task<int> RequeueDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        cancellationToken.ThrowIfCancellationRequested();
        var (requeued, kept, full) = await RequeueDead(count, "", "the dead letters were not requeued").ConfigureAwait(false);
        if (requeued > 0)
            RedisLog.DeadLettersRequeued(_logger, Name, requeued);
        if (kept > 0)
            RedisLog.DeadLettersKept(_logger, Name, kept);
        if (full)
            RedisLog.RequeueStoppedFull(_logger, Name, _options.MaxLength);
        return requeued;
    }

    /// <summary>
    /// Queues one dead letter again, as <see cref="RequeueDeadLettersAsync"/> does: same id and
    /// request, attempt 1.
    /// </summary>
    /// <param name="id">Its id (<see cref="RedisDeadLetter.Id"/>).</param>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>True when it was queued again; false when no dead letter has this id, or when its
    /// request is unreadable or its id is queued already (logged as a warning; it stays dead).</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null or empty.</exception>
    /// <exception cref="RefreshQueueUnavailableException">The queue is full (<see cref="RedisQueueOptions.MaxLength"/>; the dead letter stays), or Redis cannot be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public async Task<bool> RequeueDeadLetterAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        cancellationToken.ThrowIfCancellationRequested();
        var (requeued, kept, full) = await RequeueDead(1, id, $"the dead letter {id} was not requeued").ConfigureAwait(false);
        if (full)
            throw new RefreshQueueUnavailableException(
                $"The Redis refresh queue '{Name}' is full: {_options.MaxLength} requests are pending (RedisQueueOptions.MaxLength); the dead letter {id} was not requeued.");
        if (kept > 0)
            RedisLog.DeadLettersKept(_logger, Name, kept);
        if (requeued > 0)
            RedisLog.DeadLettersRequeued(_logger, Name, requeued);
        return requeued > 0;
    }

    /// <summary>Removes every dead letter, in one atomic step.</summary>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>How many were removed.</returns>
    /// <exception cref="RefreshQueueUnavailableException">Redis cannot be reached (when it did not answer in time, the purge may have happened nonetheless).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public async Task<long> PurgeDeadLettersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var purged = (long)await Unavailable(
            () => _database.ScriptEvaluateAsync(LuaScripts.PurgeDead, _keys.All),
            "the dead letters were not purged").ConfigureAwait(false);
        if (purged > 0)
            RedisLog.DeadLettersPurged(_logger, Name, purged);
        return purged;
    }

    /// <summary>Runs the requeue script for up to <paramref name="count"/> entries, or for the one of <paramref name="id"/> when it is not empty.</summary>
    private async Task<(int Requeued, long Kept, bool Full)> RequeueDead(int count, string id, string notDone)
    {
        var result = (RedisResult[])(await Unavailable(
            () => _database.ScriptEvaluateAsync(LuaScripts.RequeueDead, _keys.All, [count, _options.MaxLength, _wakeChannel, id]),
            notDone).ConfigureAwait(false))!;
        return ((int)result[0], (long)result[1], (long)result[2] == 1);
    }

    /// <summary>Redis unreachable or too slow, as <see cref="EnqueueAsync"/> says it.</summary>
    private async Task<T> Unavailable<T>(Func<Task<T>> command, string notDone)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            throw new RefreshQueueUnavailableException($"The Redis refresh queue '{Name}' cannot be reached ({e.Message}); {notDone}.", e);
        }
    }
}
