using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cacheback;

/// <summary>
/// Is the store reachable and keeping writes? A probe in a partition of its own: a write, then a
/// compare-and-set over it, which reads what the write left (on Redis, through the same script a
/// claim runs). Two round trips, one short-lived key per process.
/// </summary>
internal sealed class StoreHealthCheck(CachebackRuntime runtime, CachebackHealthCheckOptions options) : IHealthCheck
{
    private const string Partition = "cacheback-health";
    private static readonly string ProbeKey = "probe-" + Guid.NewGuid().ToString("N");
    private static readonly TimeSpan ProbeTtl = TimeSpan.FromMinutes(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["store"] = options.StoreName };
        try
        {
            var store = runtime.StoreNamed(options.StoreName).Partition(
                new PartitionSpec<string>(Partition, JsonPayloadSerializer<string>.Default, static (_, _, _) => { }));
            // Both calls within one timeout, on the runtime's clock (a test's FakeTimeProvider too).
            using var timer = new CancellationTokenSource(options.Timeout, runtime.Options.TimeProvider);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            var now = runtime.Options.TimeProvider.GetUtcNow();
            var written = Envelope.Fresh(Envelope.NewVersion(), "written", now, now);
            await store.WriteAsync(ProbeKey, written, ProbeTtl, timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            var kept = await store.CompareAndSetAsync(ProbeKey, written.Version, Envelope.Fresh(Envelope.NewVersion(), "read back", now, now), ProbeTtl, timeout.Token)
                .AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            return kept
                ? HealthCheckResult.Healthy($"The store '{options.StoreName}' answered a write and a compare-and-set.", data)
                : new HealthCheckResult(context.Registration.FailureStatus, $"The store '{options.StoreName}' did not keep a write: a compare-and-set over it found another version.", data: data);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = e is TimeoutException or OperationCanceledException ? $"did not answer within {options.Timeout}" : "failed";
            return new HealthCheckResult(context.Registration.FailureStatus, $"The store '{options.StoreName}' {why}: {e.Message}", e, data);
        }
    }
}
