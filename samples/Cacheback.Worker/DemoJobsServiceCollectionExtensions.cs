using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Worker;

/// <summary>The demo app's caching, registered the same way on its web nodes and in its worker processes.</summary>
public static class DemoJobsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <c>profiles</c> and <c>trivial</c> cached functions (<see cref="DemoJobs"/>) on the
    /// app's runtime; resolve one by name: <c>[FromKeyedServices("profiles")] CachedFetch&lt;string, string&gt;</c>.
    /// </summary>
    public static IServiceCollection AddDemoJobs(this IServiceCollection services) =>
        services
            .AddCachedFetch<string, string>(DemoJobs.ProfilesJob, (provider, key, cancellationToken) =>
            {
                var redis = provider.GetRequiredService<CachebackRedis>();
                return DemoJobs.FetchProfileAsync(redis.Connection.GetDatabase(), redis.Store.KeyPrefix, key, cancellationToken);
            })
            .AddCachedFetch<string, string>(DemoJobs.TrivialJob, (_, key, cancellationToken) => DemoJobs.FetchTrivialAsync(key, cancellationToken));
}
