using Microsoft.Extensions.Diagnostics.HealthChecks;

// In the namespace of IHealthChecksBuilder, like the platform's own health checks: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Cacheback's health checks.</summary>
public static class CachebackHealthChecksBuilderExtensions
{
    /// <summary>The name of the store check.</summary>
    public const string StoreCheckName = "cacheback.store";

    /// <summary>The name of the refresh worker check.</summary>
    public const string WorkerCheckName = "cacheback.worker";

    /// <summary>
    /// Adds two checks on the app's <see cref="Cacheback.CachebackRuntime"/> (added by <c>AddCacheback</c>):
    /// <c>cacheback.store</c>, a write and compare-and-set probe of the store (unhealthy when it throws,
    /// times out or does not keep the write), and <c>cacheback.worker</c>, the refresh worker (unhealthy
    /// once it stopped or its loop died; degraded when a queue backs up).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Adjusts <see cref="Cacheback.CachebackHealthCheckOptions"/>.</param>
    /// <param name="failureStatus">What a failing check reports (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags of both checks, to filter them by (default: <c>cacheback</c>).</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static IHealthChecksBuilder AddCacheback(
        this IHealthChecksBuilder builder,
        Action<Cacheback.CachebackHealthCheckOptions>? configure = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new Cacheback.CachebackHealthCheckOptions();
        configure?.Invoke(options);
        options.Validate();
        var tagged = (tags ?? ["cacheback"]).ToArray();
        builder.Add(new HealthCheckRegistration(
            StoreCheckName, provider => new Cacheback.StoreHealthCheck(provider.GetRequiredService<Cacheback.CachebackRuntime>(), options), failureStatus, tagged));
        builder.Add(new HealthCheckRegistration(
            WorkerCheckName, provider => new Cacheback.RefreshWorkerHealthCheck(provider.GetRequiredService<Cacheback.CachebackRuntime>(), options), failureStatus, tagged));
        return builder;
    }
}
