using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>
/// The hosted refresh worker: registers the jobs by name when the host starts, keeps the refresh
/// worker running over the runtime's queues, and on shutdown drains it within
/// <see cref="CachebackOptions.DrainTimeout"/>, logging what it had to drop. (Without a host the
/// runtime's worker still runs; it is only not drained.)
/// </summary>
/// <remarks>
/// The jobs are resolved in a DI scope of their own, which ends once they are registered: a job
/// may depend on scoped services, and its fetches each run in a scope of their own.
/// </remarks>
public sealed class CachebackRefreshService(
    CachebackRuntime runtime, IServiceScopeFactory scopes, IOptions<CachebackOptions> options, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Cacheback.Worker");

    /// <summary>What the last shutdown left undone; null before one.</summary>
    public DrainReport? LastDrainReport { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            foreach (var job in scope.ServiceProvider.GetServices<ICachebackJob>())
                job.Register();
        }

        if (options.Value.IsWorkerProcess)
            ReportWorker();
        // Usually started with the runtime already; this restarts it after a stop. Where the queues
        // are drained elsewhere, the local lane (what must refresh in this process) still is here.
        if (options.Value.RunRefreshWorker)
            runtime.Worker.Start();
        else
            runtime.Worker.StartLocalLane();
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) =>
        LastDrainReport = await runtime.Worker.StopAsync(options.Value.DrainTimeout, cancellationToken).ConfigureAwait(false);

    /// <summary>A worker process says what it runs, and warns when it can have nothing to do.</summary>
    private void ReportWorker()
    {
        var jobs = runtime.Registry.Names.Order(StringComparer.Ordinal).ToArray();
        var queues = runtime.Options.Queues.Values.Append(runtime.Queue).Distinct().ToArray();
        if (jobs.Length == 0)
            HostingLog.WorkerWithoutJobs(_logger);
        else
            HostingLog.WorkerStarted(_logger, jobs.Length, string.Join(", ", jobs));
        if (queues.All(q => q is InProcessQueue))
            HostingLog.WorkerOnInProcessQueues(_logger);
    }
}
