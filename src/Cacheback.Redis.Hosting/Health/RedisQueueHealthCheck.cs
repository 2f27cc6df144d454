using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cacheback;

/// <summary>Counts each Redis refresh queue and judges the dead letters and the backlog (see <see cref="CachebackRedisHealthCheckOptions"/>).</summary>
internal sealed class RedisQueueHealthCheck(IReadOnlyDictionary<string, RedisRefreshQueue> queues, CachebackRedisHealthCheckOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var failing = new List<string>();
        var degraded = new List<string>();
        foreach (var (name, queue) in queues)
        {
            RedisQueueCounts counts;
            try
            {
                counts = await queue.CountsAsync().WaitAsync(options.Timeout, queue.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || RedisCall.IsUnavailable(e))
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"The Redis refresh queue '{name}' could not be counted: {e.Message}", e, data);
            }

            data[$"{name}.pending"] = counts.Pending;
            data[$"{name}.inFlight"] = counts.InFlight;
            data[$"{name}.deadLetters"] = counts.DeadLettered;
            if (counts.DeadLettered >= options.DeadLettersUnhealthy)
                failing.Add($"'{name}' holds {counts.DeadLettered} dead letters (DeadLettersUnhealthy is {options.DeadLettersUnhealthy})");
            else if (counts.DeadLettered >= options.DeadLettersDegraded)
                degraded.Add($"'{name}' holds {counts.DeadLettered} dead letters");
            if (counts.Pending > options.MaxPending)
                degraded.Add($"'{name}' has {counts.Pending} pending requests (more than MaxPending, {options.MaxPending})");
        }

        if (failing.Count > 0)
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis refresh queue " + string.Join("; ", failing.Concat(degraded)) + ".", data: data);
        return degraded.Count > 0
            ? HealthCheckResult.Degraded("Redis refresh queue " + string.Join("; ", degraded) + ".", data: data)
            : HealthCheckResult.Healthy($"{queues.Count} Redis refresh queue(s): no dead letters, no backlog.", data);
    }
}
