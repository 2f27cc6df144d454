using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>The hosted worker's log lines, source-generated.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(200, LogLevel.Information, "Cacheback worker: refreshing {Count} jobs ({Jobs})")]
    public static partial void WorkerStarted(ILogger logger, int count, string jobs);

    [LoggerMessage(201, LogLevel.Warning, "Cacheback worker: no job is registered, so every refresh request it takes is dropped as an unknown job; register the app's jobs (AddCachebackJob, AddCachedFetch) as the web nodes do")]
    public static partial void WorkerWithoutJobs(ILogger logger);

    [LoggerMessage(202, LogLevel.Warning, "Cacheback worker: every queue is in-process, so no other process can send it a refresh; a worker process needs a shared queue (AddCachebackRedis)")]
    public static partial void WorkerOnInProcessQueues(ILogger logger);
}
