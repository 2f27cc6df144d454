using System.Reactive.Concurrency;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>How a <see cref="CachebackRuntime"/> is put together. Every part has an embedded default.</summary>
public sealed record CachebackRuntimeOptions
{
    /// <summary>Where time comes from.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>; a test clock in tests.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where envelopes live.</summary>
    /// <value>Default: a new <see cref="MemoryStore"/>.</value>
    public ICacheStore? Store { get; init; }

    /// <summary>Where refresh requests go.</summary>
    /// <value>Default: a new <see cref="InProcessQueue"/>.</value>
    public IRefreshQueue? Queue { get; init; }

    /// <summary>Where log lines go; categories are <c>Cacheback.Job.{name}</c> and <c>Cacheback.Refresh</c>.</summary>
    /// <value>Default: nowhere.</value>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The scheduler the refresh pipeline times its timeouts on.</summary>
    /// <value>Default: <see cref="DefaultScheduler.Instance"/>.</value>
    public IScheduler? Scheduler { get; init; }

    /// <summary>Concurrency and timeout of the refresh pipeline.</summary>
    public RefreshPipelineOptions Refresh { get; init; } = new();

    /// <summary>
    /// Whether this runtime runs the refreshes it enqueues. False for a node that only reads and
    /// leaves refreshing to worker processes on a shared queue.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RunRefreshes { get; init; } = true;
}
