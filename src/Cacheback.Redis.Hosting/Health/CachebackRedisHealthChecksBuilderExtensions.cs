using Microsoft.Extensions.Diagnostics.HealthChecks;

// In the namespace of IHealthChecksBuilder, like the platform's own health checks: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Cacheback's Redis health check.</summary>
public static class CachebackRedisHealthChecksBuilderExtensions
{
    /// <summary>The name of the Redis queue check.</summary>
    public const string QueuesCheckName = "cacheback.redis.queues";

    /// <summary>
    /// Adds <c>cacheback.redis.queues</c>: counts each Redis refresh queue of <c>AddCachebackRedis</c>
    /// (pending, in flight, dead letters) and reports Degraded at
    /// <see cref="Cacheback.CachebackRedisHealthCheckOptions.DeadLettersDegraded"/> dead letters or above
    /// <see cref="Cacheback.CachebackRedisHealthCheckOptions.MaxPending"/> pending requests, its failure
    /// status at <see cref="Cacheback.CachebackRedisHealthCheckOptions.DeadLettersUnhealthy"/> dead letters or
    /// when Redis does not answer. (The store and the worker: <c>AddCacheback()</c> on the same builder.)
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="configure">Adjusts <see cref="Cacheback.CachebackRedisHealthCheckOptions"/>.</param>
    /// <param name="failureStatus">What a failing check reports (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags of the check (default: <c>cacheback</c>).</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static IHealthChecksBuilder AddCachebackRedis(
        this IHealthChecksBuilder builder,
        Action<Cacheback.CachebackRedisHealthCheckOptions>? configure = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new Cacheback.CachebackRedisHealthCheckOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Add(new HealthCheckRegistration(
            QueuesCheckName,
            provider => new Cacheback.RedisQueueHealthCheck(provider.GetRequiredService<Cacheback.CachebackRedis>().Queues, options),
            failureStatus,
            tags ?? ["cacheback"]));
        return builder;
    }
}
