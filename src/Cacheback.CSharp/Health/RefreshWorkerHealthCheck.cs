using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cacheback;

/// <summary>
/// Is the refresh worker running and draining? Unhealthy once it was started and has stopped, or a
/// queue's loop died (or when one is required and none was started); Degraded when a queue of this
/// process backs up; otherwise Healthy. Reads state only: no I/O.
/// </summary>
internal sealed class RefreshWorkerHealthCheck(CachebackRuntime runtime, CachebackHealthCheckOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check(context.Registration.FailureStatus));

    private HealthCheckResult Check(HealthStatus failureStatus)
    {
        var worker = runtime.Worker;
        var data = new Dictionary<string, object> { ["running"] = worker.IsRunning, ["inFlight"] = worker.InFlight };
        if (!worker.IsRunning)
        {
            if (worker.Failure is { } failure)
                return new HealthCheckResult(failureStatus, $"The refresh worker's loop died: {failure.Message}. Its queues are no longer drained.", failure, data);
            if (worker.WasStarted)
                return new HealthCheckResult(failureStatus, "The refresh worker has stopped: its queues are no longer drained.", data: data);
            return options.RequireRefreshWorker
                ? new HealthCheckResult(failureStatus, "No refresh worker runs in this process, and one is required (CachebackHealthCheckOptions.RequireRefreshWorker).", data: data)
                : HealthCheckResult.Healthy("No refresh worker runs in this process: refreshes are left to worker processes.", data);
        }

        if (worker.TakeFailure is { } takeFailure)
            return new HealthCheckResult(failureStatus,
                $"The refresh worker cannot take from its queue: {takeFailure.Message}. It keeps trying, with backoff; until a take succeeds nothing is refreshed.", takeFailure, data);

        var backedUp = new List<string>();
        foreach (var (name, queue) in runtime.Queues)
        {
            if (queue is InProcessQueue local)
            {
                data[$"queue.{name}.depth"] = local.Count;
                if (local.Count >= local.Capacity)
                    backedUp.Add($"'{name}' is full ({local.Count} of {local.Capacity}: new requests are refreshed by their callers)");
                else if (local.Count > options.MaxQueueDepth)
                    backedUp.Add($"'{name}' holds {local.Count} requests (more than MaxQueueDepth, {options.MaxQueueDepth})");
            }
        }

        return backedUp.Count == 0
            ? HealthCheckResult.Healthy("The refresh worker is running.", data)
            : HealthCheckResult.Degraded($"The refresh worker is running, but not keeping up: queue {string.Join("; ", backedUp)}.", data: data);
    }
}
