using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cacheback;

/// <summary>
/// Registers EF Core query jobs in a service collection, on the app's Cacheback runtime, as
/// <c>AddCachedFetch</c> registers cached functions: a singleton resolved by its name
/// (<c>[FromKeyedServices("users")] EntityGetJob&lt;User&gt; users</c>), or by its type alone when
/// it is the only one of its type, registered by name when the host starts — so a worker process
/// (<c>AddCachebackWorker</c>) that adds the same job refreshes it.
/// </summary>
/// <remarks>
/// The app registers its context factory (<c>AddDbContextFactory&lt;TContext&gt;(...)</c>): each fetch
/// creates a context of its own from it, reads with <c>AsNoTracking</c> and disposes it, on a web
/// node as on a worker, where there is no request scope. The job is defined when first resolved
/// (at the latest when the host starts): an entity type the model does not map, a value type that
/// cannot be cached as plain data, or a missing context factory fails there, naming it.
/// </remarks>
public static class EntityJobServiceCollectionExtensions
{
    /// <summary>Adds a job that gets one <typeparamref name="TEntity"/> by field values or by its key (django-cacheback's <c>QuerySetGetJob</c>), as <see cref="EntityGetJob{TEntity}"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy, from the <c>"Cacheback"</c> section).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The name is unusable, or another query job registered here has it.</exception>
    public static IServiceCollection AddEntityGetJob<TContext, TEntity>(
        this IServiceCollection services,
        string name,
        Policy? policy = null,
        IPayloadSerializer<TEntity?>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        services.AddEntityJob(name, provider => new EntityGetJob<TEntity>(
            EntityQueryDefinition.One<TContext, TEntity, TEntity>(Settings<TContext>(provider, name, policy, storeName, queueName), null, serializer)));
        // The same instance under its base type, as a projection job of the entity itself would be.
        services.AddKeyedSingleton<EntityGetJob<TEntity, TEntity>>(name, (provider, key) => provider.GetRequiredKeyedService<EntityGetJob<TEntity>>(key));
        return services;
    }

    /// <summary>Adds a job that gets the projection of one <typeparamref name="TEntity"/> by field values or by its key, as <see cref="EntityGetJob{TEntity, TResult}"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="projection">What is cached of the entity (EF translates it into the query's columns).</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy, from the <c>"Cacheback"</c> section).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The name is unusable, or another query job registered here has it.</exception>
    public static IServiceCollection AddEntityGetJob<TContext, TEntity, TResult>(
        this IServiceCollection services,
        string name,
        Expression<Func<TEntity, TResult>> projection,
        Policy? policy = null,
        IPayloadSerializer<TResult?>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(projection);
        return services.AddEntityJob(name, provider => EntityGetJob<TEntity, TResult>.Create(
            EntityQueryDefinition.One(Settings<TContext>(provider, name, policy, storeName, queueName), projection, serializer)));
    }

    /// <summary>Adds a job that gets the list of <typeparamref name="TEntity"/> matching field values (django-cacheback's <c>QuerySetFilterJob</c>), as <see cref="EntityFilterJob{TEntity}"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy, from the <c>"Cacheback"</c> section).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The name is unusable, or another query job registered here has it.</exception>
    public static IServiceCollection AddEntityFilterJob<TContext, TEntity>(
        this IServiceCollection services,
        string name,
        Policy? policy = null,
        IPayloadSerializer<IReadOnlyList<TEntity>>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        services.AddEntityJob(name, provider => new EntityFilterJob<TEntity>(
            EntityQueryDefinition.All<TContext, TEntity, TEntity>(Settings<TContext>(provider, name, policy, storeName, queueName), null, serializer)));
        services.AddKeyedSingleton<EntityFilterJob<TEntity, TEntity>>(name, (provider, key) => provider.GetRequiredKeyedService<EntityFilterJob<TEntity>>(key));
        return services;
    }

    /// <summary>Adds a job that gets the projections of the <typeparamref name="TEntity"/> matching field values, as <see cref="EntityFilterJob{TEntity, TResult}"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="projection">What is cached of each entity (EF translates it into the query's columns).</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy, from the <c>"Cacheback"</c> section).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The name is unusable, or another query job registered here has it.</exception>
    public static IServiceCollection AddEntityFilterJob<TContext, TEntity, TResult>(
        this IServiceCollection services,
        string name,
        Expression<Func<TEntity, TResult>> projection,
        Policy? policy = null,
        IPayloadSerializer<IReadOnlyList<TResult>>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(projection);
        return services.AddEntityJob(name, provider => EntityFilterJob<TEntity, TResult>.Create(
            EntityQueryDefinition.All(Settings<TContext>(provider, name, policy, storeName, queueName), projection, serializer)));
    }

    private static IServiceCollection AddEntityJob<TJob>(this IServiceCollection services, string name, Func<IServiceProvider, TJob> create)
        where TJob : class, IDisposable
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (services.Any(d => d.ServiceType == typeof(QueryJobName) && d.ImplementationInstance is QueryJobName taken && taken.Name == name))
            throw new ArgumentException($"A query job named '{name}' is already registered; job names must be unique.", nameof(name));
        services.AddCacheback();
        services.AddKeyedSingleton(name, (provider, _) => create(provider));
        services.AddSingleton(new QueryJobName(name, typeof(TJob)));
        services.TryAddSingleton(TheOnlyOne<TJob>);
        services.AddSingleton<ICachebackJob>(provider => new Registration<TJob>(name, provider));
        return services;
    }

    private static EntityQueryDefinition.Settings<TContext> Settings<TContext>(IServiceProvider provider, string name, Policy? policy, string storeName, string queueName)
        where TContext : DbContext
    {
        var contexts = provider.GetService<IDbContextFactory<TContext>>()
            ?? throw new InvalidOperationException(
                $"Query job '{name}' needs IDbContextFactory<{typeof(TContext).Name}>: register it with AddDbContextFactory<{typeof(TContext).Name}>(...) (each fetch creates a context of its own).");
        return new(contexts, name, policy, provider.GetRequiredService<CachebackRuntime>(), storeName, queueName);
    }

    /// <summary>The query job of this type, asked for without a name: there must be exactly one.</summary>
    private static TJob TheOnlyOne<TJob>(IServiceProvider provider)
        where TJob : notnull
    {
        var names = provider.GetServices<QueryJobName>().Where(n => n.JobType == typeof(TJob)).Select(n => n.Name).ToArray();
        return names.Length == 1
            ? provider.GetRequiredKeyedService<TJob>(names[0])
            : throw new InvalidOperationException(
                $"{names.Length} query jobs of type {Readable(typeof(TJob))} are registered ({string.Join(", ", names)}): ask for one by its name ([FromKeyedServices(\"name\")] or GetRequiredKeyedService).");
    }

    /// <summary>A generic type's name as C# writes it (<c>EntityFilterJob&lt;Item&gt;</c>), for messages.</summary>
    private static string Readable(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Readable))}>" : type.Name;

    /// <summary>A registered query job's name and type, so that an unkeyed request can tell whether it is the only one.</summary>
    private sealed record QueryJobName(string Name, Type JobType);

    /// <summary>What the hosted service registers at start: the job, defined on first resolution.</summary>
    private sealed class Registration<TJob>(string name, IServiceProvider provider) : ICachebackJob
        where TJob : notnull
    {
        public string Name => name;

        public void AttachTo(CachebackRuntime runtime)
        {
            // Defined on the container's runtime, always.
        }

        public void Register() => provider.GetRequiredKeyedService<TJob>(name);
    }
}
