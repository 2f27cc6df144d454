using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Cacheback;

/// <summary>
/// Makes EF Core query jobs without a service container (with one, use <c>AddEntityGetJob</c> and
/// <c>AddEntityFilterJob</c>): django-cacheback's <c>QuerySetGetJob(Model)</c> and
/// <c>QuerySetFilterJob(Model)</c>. Make each job once and keep it: its name is registered in the
/// runtime until it is disposed.
/// </summary>
/// <remarks>
/// Defining a job reads the entity's shape from the context's model (a context is created and
/// disposed; no connection is opened) and checks that what it caches is plain data: an entity type
/// the model does not map, a cycle among the cached type's navigations or members, or a member a
/// serializer cannot write fails here with an <see cref="ArgumentException"/> naming it. Each fetch
/// creates a <c>DbContext</c> of its own from <c>contexts</c>, reads with <c>AsNoTracking</c>,
/// and disposes it.
/// </remarks>
public static class EntityJobs
{
    /// <summary>A job that gets one <typeparamref name="TEntity"/> by field values or by its key.</summary>
    /// <param name="contexts">Where each fetch gets its context.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The model does not map <typeparamref name="TEntity"/>, it cannot be cached as plain data, or the name is unusable or taken.</exception>
    public static EntityGetJob<TEntity> Get<TContext, TEntity>(
        IDbContextFactory<TContext> contexts,
        string name,
        Policy? policy = null,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<TEntity?>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class =>
        new(EntityQueryDefinition.One<TContext, TEntity, TEntity>(new(contexts, name, policy, runtime, storeName, queueName), null, serializer));

    /// <summary>A job that gets the projection of one <typeparamref name="TEntity"/> by field values or by its key.</summary>
    /// <param name="contexts">Where each fetch gets its context.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="projection">What is cached of the entity (EF translates it into the query's columns).</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The model does not map <typeparamref name="TEntity"/>, <typeparamref name="TResult"/> cannot be cached as plain data, or the name is unusable or taken.</exception>
    public static EntityGetJob<TEntity, TResult> Get<TContext, TEntity, TResult>(
        IDbContextFactory<TContext> contexts,
        string name,
        Expression<Func<TEntity, TResult>> projection,
        Policy? policy = null,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<TResult?>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(projection);
        return EntityGetJob<TEntity, TResult>.Create(
            EntityQueryDefinition.One(new EntityQueryDefinition.Settings<TContext>(contexts, name, policy, runtime, storeName, queueName), projection, serializer));
    }

    /// <summary>A job that gets the list of <typeparamref name="TEntity"/> matching field values, in primary key order.</summary>
    /// <param name="contexts">Where each fetch gets its context.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The model does not map <typeparamref name="TEntity"/>, it cannot be cached as plain data, or the name is unusable or taken.</exception>
    public static EntityFilterJob<TEntity> Filter<TContext, TEntity>(
        IDbContextFactory<TContext> contexts,
        string name,
        Policy? policy = null,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<IReadOnlyList<TEntity>>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class =>
        new(EntityQueryDefinition.All<TContext, TEntity, TEntity>(new(contexts, name, policy, runtime, storeName, queueName), null, serializer));

    /// <summary>A job that gets the projections of the <typeparamref name="TEntity"/> matching field values, in primary key order.</summary>
    /// <param name="contexts">Where each fetch gets its context.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="projection">What is cached of each entity (EF translates it into the query's columns).</param>
    /// <param name="policy">The thresholds (default: the runtime's default policy).</param>
    /// <param name="runtime">The store, queue and refresh pipeline (default: <see cref="CachebackRuntime.Default"/>).</param>
    /// <param name="serializer">How values are encoded for stores that keep bytes (default: MessagePack).</param>
    /// <param name="storeName">Which of the runtime's stores to use.</param>
    /// <param name="queueName">Which of the runtime's queues refreshes go to.</param>
    /// <exception cref="ArgumentException">The model does not map <typeparamref name="TEntity"/>, <typeparamref name="TResult"/> cannot be cached as plain data, or the name is unusable or taken.</exception>
    public static EntityFilterJob<TEntity, TResult> Filter<TContext, TEntity, TResult>(
        IDbContextFactory<TContext> contexts,
        string name,
        Expression<Func<TEntity, TResult>> projection,
        Policy? policy = null,
        CachebackRuntime? runtime = null,
        IPayloadSerializer<IReadOnlyList<TResult>>? serializer = null,
        string storeName = CachebackRuntimeOptions.DefaultName,
        string queueName = CachebackRuntimeOptions.DefaultName)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(projection);
        return EntityFilterJob<TEntity, TResult>.Create(
            EntityQueryDefinition.All(new EntityQueryDefinition.Settings<TContext>(contexts, name, policy, runtime, storeName, queueName), projection, serializer));
    }
}
