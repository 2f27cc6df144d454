using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>Every log line Cacheback writes, source-generated.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Job} '{Key}': {Status}")]
    public static partial void Decided(ILogger logger, string job, string key, CacheStatus status);

    [LoggerMessage(2, LogLevel.Warning, "{Job} '{Key}': stored bytes are not a readable envelope ({Error}: {Detail}); treated as a miss")]
    public static partial void Unreadable(ILogger logger, string job, string key, DecodeError error, string detail);

    [LoggerMessage(3, LogLevel.Warning, "{Job} '{Key}': the store failed to {Operation}; carrying on without it")]
    public static partial void StoreFailed(ILogger logger, string job, string key, string operation, Exception error);

    [LoggerMessage(4, LogLevel.Error, "{Job} '{Key}': the refresh queue did not take the request; refreshing here instead")]
    public static partial void QueueFailed(ILogger logger, string job, string key, Exception error);

    [LoggerMessage(5, LogLevel.Error, "{Job} '{Key}': the fallback refresh failed too; the next read after the lease will try again")]
    public static partial void FallbackRefreshFailed(ILogger logger, string job, string key, Exception error);

    [LoggerMessage(6, LogLevel.Warning, "{Job} '{Key}': background refresh {Result} after {Duration} (attempt {Attempt}); the stale value stays until the lease ends")]
    public static partial void RefreshFailed(ILogger logger, string job, string key, RefreshResult result, TimeSpan duration, int attempt, Exception? error);

    [LoggerMessage(7, LogLevel.Error, "Refresh request for unknown job {Job} (key '{Key}') not run: no job of that name is registered here; a reliable queue dead-letters it. Further requests naming this job are not logged")]
    public static partial void UnknownJob(ILogger logger, string job, string key);

    [LoggerMessage(8, LogLevel.Debug, "{Job} '{Key}': refresh {Result} in {Duration}")]
    public static partial void RefreshCompleted(ILogger logger, string job, string key, RefreshResult result, TimeSpan duration);

    [LoggerMessage(9, LogLevel.Debug, "{Job} '{Key}': synchronous fetch failed")]
    public static partial void FetchFailed(ILogger logger, string job, string key, Exception error);


    [LoggerMessage(10, LogLevel.Warning, "{Job} '{Key}': the queue could not record the refresh outcome {Result}; it may deliver the request again")]
    public static partial void AcknowledgeFailed(ILogger logger, string job, string key, RefreshResult result, Exception error);

    [LoggerMessage(11, LogLevel.Error, "The refresh worker's pipeline failed; its queue is no longer drained")]
    public static partial void WorkerFailed(ILogger logger, Exception error);

    [LoggerMessage(12, LogLevel.Information, "Refresh worker stopped; {Completed} refreshes finished while draining, none dropped")]
    public static partial void WorkerDrained(ILogger logger, int completed);

    [LoggerMessage(13, LogLevel.Warning, "Refresh worker stopped; {Completed} refreshes finished while draining, {Abandoned} were cancelled unfinished ({Keys}) and {LeftInQueue} were left in in-process queues")]
    public static partial void WorkerDropped(ILogger logger, int completed, int abandoned, int leftInQueue, string keys);

    [LoggerMessage(14, LogLevel.Error, "A Cacheback event or outcome subscriber threw; the exception was logged and ignored")]
    public static partial void ObserverFailed(ILogger logger, Exception error);

    [LoggerMessage(16, LogLevel.Error, "Refresh requests named {Count} distinct unknown jobs; further unknown names are not logged (each request still ends UnknownJob)")]
    public static partial void UnknownJobsNotLogged(ILogger logger, int count);

    [LoggerMessage(15, LogLevel.Warning, "The runtime was disposed with {Count} refresh requests still in an in-process queue; they were not run")]
    public static partial void QueueDropped(ILogger logger, int count);

    [LoggerMessage(17, LogLevel.Error, "Taking from the refresh queue failed ({Failures} in a row); trying again in {Backoff}")]
    public static partial void TakeFailed(ILogger logger, int failures, TimeSpan backoff, Exception error);
}
