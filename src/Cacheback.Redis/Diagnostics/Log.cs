using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Every log line of Cacheback.Redis, source-generated. (Not named Log: Core's internal Log is
/// visible here and would clash.) Event ids from 100.
/// </summary>
internal static partial class RedisLog
{
    [LoggerMessage(100, LogLevel.Warning, "Redis refresh queue '{Queue}': cannot take from Redis; retrying every {PollInterval} until it answers")]
    public static partial void TakeFailing(ILogger logger, string queue, TimeSpan pollInterval, Exception error);

    [LoggerMessage(101, LogLevel.Information, "Redis refresh queue '{Queue}': taking from Redis again")]
    public static partial void TakeRecovered(ILogger logger, string queue);

    [LoggerMessage(102, LogLevel.Warning, "Redis refresh queue '{Queue}': cannot subscribe to wake-ups ({Channel}); idle workers poll every {PollInterval} until it can")]
    public static partial void SubscribeFailed(ILogger logger, string queue, string channel, TimeSpan pollInterval, Exception error);

    [LoggerMessage(103, LogLevel.Error, "Redis refresh queue '{Queue}': request {Id} is unreadable ({Error}); dead-lettered")]
    public static partial void Unreadable(ILogger logger, string queue, string id, string error);

    [LoggerMessage(104, LogLevel.Information, "Redis refresh queue '{Queue}': {Job} '{Key}' attempt {Attempt} ended {Result}; queued again")]
    public static partial void Retrying(ILogger logger, string queue, string job, string key, int attempt, RefreshResult result);

    [LoggerMessage(105, LogLevel.Error, "Redis refresh queue '{Queue}': {Job} '{Key}' ended {Result} on its last attempt ({Attempt}); dead-lettered: {Error}")]
    public static partial void DeadLettered(ILogger logger, string queue, string job, string key, int attempt, RefreshResult result, string error);

    [LoggerMessage(106, LogLevel.Debug, "Redis refresh queue '{Queue}': {Job} '{Key}' attempt {Attempt} completed ({Result}) after it was delivered again; the newer delivery stands")]
    public static partial void StaleCompletion(ILogger logger, string queue, string job, string key, int attempt, RefreshResult result);

    [LoggerMessage(107, LogLevel.Debug, "Redis refresh queue '{Queue}': outcome {Result} of {Job} '{Key}' was not for a request taken from this queue; ignored")]
    public static partial void NotOurs(ILogger logger, string queue, string job, string key, RefreshResult result);

    [LoggerMessage(108, LogLevel.Warning, "Redis refresh queue '{Queue}': dropped the {Dropped} oldest dead letter(s) to keep the newest {MaxDeadLetters} (RedisQueueOptions.MaxDeadLetters)")]
    public static partial void DeadLettersDropped(ILogger logger, string queue, long dropped, int maxDeadLetters);

    [LoggerMessage(109, LogLevel.Information, "Redis refresh queue '{Queue}': requeued {Requeued} dead letter(s)")]
    public static partial void DeadLettersRequeued(ILogger logger, string queue, long requeued);

    [LoggerMessage(110, LogLevel.Warning, "Redis refresh queue '{Queue}': {Kept} dead letter(s) stay dead: their request is unreadable or their id is queued already (DeadLettersAsync shows them)")]
    public static partial void DeadLettersKept(ILogger logger, string queue, long kept);

    [LoggerMessage(111, LogLevel.Warning, "Redis refresh queue '{Queue}': stopped requeueing dead letters: {MaxLength} requests are pending (RedisQueueOptions.MaxLength); the rest stay dead")]
    public static partial void RequeueStoppedFull(ILogger logger, string queue, int maxLength);

    [LoggerMessage(112, LogLevel.Information, "Redis refresh queue '{Queue}': purged {Purged} dead letter(s)")]
    public static partial void DeadLettersPurged(ILogger logger, string queue, long purged);

    [LoggerMessage(113, LogLevel.Warning, "Redis refresh queue '{Queue}': request {Id} could not be dead-lettered; it stays in flight and is read again once its visibility timeout passes")]
    public static partial void DeadLetterFailed(ILogger logger, string queue, string id, Exception error);

    [LoggerMessage(114, LogLevel.Warning, "Redis refresh queue '{Queue}': cannot extend the deadlines of the requests waiting in this worker; retrying on the next renewal")]
    public static partial void RenewFailed(ILogger logger, string queue, Exception error);

    [LoggerMessage(115, LogLevel.Warning, "Redis refresh queue '{Queue}': {Count} request(s) waiting in this worker were delivered elsewhere meanwhile (their deadline passed before it was extended); dropped here")]
    public static partial void PrefetchedLost(ILogger logger, string queue, int count);
}
