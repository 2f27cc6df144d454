using Cacheback.Sandbox.Data;
using Cacheback.Sandbox.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cacheback.Sandbox;

/// <summary>The sandbox's caching, registered the same way by the web app and by its worker processes.</summary>
public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Adds the database (<see cref="IDbContextFactory{TContext}"/> over the SQLite file of the
    /// <c>"Sandbox"</c> section) and the seed's jobs, each under its name: <see cref="VanillaJob"/>,
    /// <see cref="KeyedJob"/>, the two EF Core query jobs of <see cref="ItemQueries"/>, the two
    /// <see cref="ItemFunctions"/> and <see cref="DecoratedItems"/>. Add the runtime first (<c>AddCacheback</c>, <c>AddCachebackRedis</c>
    /// or <c>AddCachebackWorker</c>); this adds the embedded one if none was.
    /// </summary>
    public static IServiceCollection AddSandboxJobs(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = SandboxSettings.From(configuration);
        services.TryAddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FetchCounter>();
        services.AddDbContextFactory<SandboxDb>(o => o.UseSqlite(settings.ConnectionString));
        services.AddHostedService<DatabaseWarmUp>();
        services.AddHostedService<MeteredFetches>();
        services
            .AddCachebackJob<VanillaJob>()
            .AddCachebackJob<KeyedJob>()
            // The seed's QuerySetFilterJob and QuerySetGetJob: no code of ours, the library's jobs over the context factory.
            .AddEntityFilterJob<SandboxDb, Item>(ItemQueries.FilterJob, ItemQueries.FilterPolicy)
            .AddEntityGetJob<SandboxDb, Item>(ItemQueries.GetJob, ItemQueries.GetPolicy)
            .AddCachedFetch<ValueTuple, Item[]>(ItemFunctions.ContainingOneJob, ItemFunctions.ContainingOneAsync, job => job with { Policy = ItemFunctions.Policy, Empty = () => [] })
            .AddCachedFetch<string, Item[]>(ItemFunctions.ContainingJob, ItemFunctions.ContainingAsync, job => job with { Policy = ItemFunctions.Policy, Empty = () => [] });
        services.AddSingleton<DecoratedItems>();
        // Made when the host starts, like the others, so that requests naming it find it in a worker.
        services.AddSingleton<ICachebackJob>(provider => new StartWith(DecoratedItems.JobName, () => provider.GetRequiredService<DecoratedItems>()));
        return services;
    }

    /// <summary>Registers a cached function made by a singleton: resolving the singleton makes (and registers) it.</summary>
    private sealed class StartWith(string name, Func<DecoratedItems> make) : ICachebackJob
    {
        public string Name => name;

        public void AttachTo(CachebackRuntime runtime)
        {
            // The singleton wraps on the container's runtime itself.
        }

        public void Register() => make();
    }
}
