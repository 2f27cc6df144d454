using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// The runtimes a host built (<c>AddCacheback</c>) that are alive in this process. A job made on
/// <see cref="CachebackRuntime.Default"/> while one lives is most likely a mistake: a second cache
/// beside the app's, with its own memory store and no worker of the host to refresh it. It is
/// reported to each host's log, not thrown: the process may hold code with no host of its own
/// (a library's embedded cache, many test hosts side by side), for which the default is right.
/// </summary>
internal static partial class HostedRuntimes
{
    private static readonly List<ILogger> Loggers = [];

    /// <summary>Starts reporting ambient jobs to <paramref name="logger"/>, until the result is disposed.</summary>
    public static IDisposable Watch(ILogger logger)
    {
        lock (Loggers)
            Loggers.Add(logger);
        return new Unwatch(logger);
    }

    /// <summary>A job named <paramref name="job"/> was made on the default runtime: tells every live host.</summary>
    public static void AmbientJobMade(string job)
    {
        ILogger[] loggers;
        lock (Loggers)
            loggers = [.. Loggers];
        foreach (var logger in loggers)
            AmbientJob(logger, job);
    }

    /// <summary>The jobs made on the default runtime before the host's runtime was built: tells that host.</summary>
    public static void AmbientJobsMadeBefore(ILogger logger, IEnumerable<string> jobs)
    {
        foreach (var job in jobs)
            AmbientJob(logger, job);
    }

    [LoggerMessage(40, LogLevel.Warning,
        "Job '{Job}' was made on CachebackRuntime.Default (Cache.Wrap or Cached() without a runtime, or a Job not registered with AddCachebackJob), "
        + "not on this host's runtime: it has a memory store and a queue of its own, and no worker of this host refreshes it. "
        + "Make it through the services: AddCachedFetch, AddCachebackJob, or Wrap on the CachebackRuntime resolved from them")]
    private static partial void AmbientJob(ILogger logger, string job);

    private sealed class Unwatch(ILogger logger) : IDisposable
    {
        public void Dispose()
        {
            lock (Loggers)
                Loggers.Remove(logger);
        }
    }
}
