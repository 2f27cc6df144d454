using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>
/// The hosted refresh worker: registers the jobs by name when the host starts, keeps the refresh
/// worker running over the runtime's queues, and on shutdown drains it within
/// <see cref="CachebackOptions.DrainTimeout"/>, logging what it had to drop. (Without a host the
/// runtime's worker still runs; it is only not drained.)
/// </summary>
public sealed class CachebackRefreshService(
    CachebackRuntime runtime, IEnumerable<ICachebackJob> jobs, IOptions<CachebackOptions> options) : IHostedService
{
    /// <summary>What the last shutdown left undone; null before one.</summary>
    public DrainReport? LastDrainReport { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in jobs)
            job.Register();
        // Usually started with the runtime already; this restarts it after a stop.
        if (options.Value.RunRefreshWorker)
            runtime.Worker.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) =>
        LastDrainReport = await runtime.Worker.StopAsync(options.Value.DrainTimeout, cancellationToken).ConfigureAwait(false);
}
