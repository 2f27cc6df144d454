using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Cacheback;

/// <summary>A query job's parts: the entity's shape and the cached fetch over it.</summary>
internal sealed record EntityQueryDefinition<TEntity, TValue>(EntityShape<TEntity> Shape, CachedFetch<EntityQuery, TValue> Cached)
    where TEntity : class;

/// <summary>
/// Defines query jobs: reads the entity's shape from the context's model, checks that what is
/// cached is plain data, and wraps the fetch (a context of its own, no tracking) in the cache.
/// </summary>
internal static class EntityQueryDefinition
{
    /// <summary>Where the job's fetches get their contexts, and how its values are shaped.</summary>
    public sealed record Settings<TContext>(
        IDbContextFactory<TContext> Contexts,
        string Name,
        Policy? Policy,
        CachebackRuntime? Runtime,
        string StoreName,
        string QueueName)
        where TContext : DbContext;

    /// <summary>A job reading at most one row: null for none, an error for several.</summary>
    public static EntityQueryDefinition<TEntity, TResult?> One<TContext, TEntity, TResult>(
        Settings<TContext> settings, Expression<Func<TEntity, TResult>>? projection, IPayloadSerializer<TResult?>? serializer)
        where TContext : DbContext
        where TEntity : class =>
        Define<TContext, TEntity, TResult, TResult?>(settings, projection, serializer, ordered: false, empty: default, async (shape, rows, query, cancellationToken) =>
        {
            var found = await rows.Take(2).ToListAsync(cancellationToken).ConfigureAwait(false);
            return found.Count <= 1
                ? found.SingleOrDefault()
                : throw new InvalidOperationException(
                    $"Query job '{settings.Name}': more than one {shape.EntityName} matches {Describe(query)}; a get job's fields must pick out one row (use a filter job for several).");
        });

    /// <summary>A job reading every matching row, in primary key order.</summary>
    public static EntityQueryDefinition<TEntity, IReadOnlyList<TResult>> All<TContext, TEntity, TResult>(
        Settings<TContext> settings, Expression<Func<TEntity, TResult>>? projection, IPayloadSerializer<IReadOnlyList<TResult>>? serializer)
        where TContext : DbContext
        where TEntity : class =>
        Define<TContext, TEntity, TResult, IReadOnlyList<TResult>>(settings, projection, serializer, ordered: true, empty: [], async (_, rows, _, cancellationToken) =>
            await rows.ToArrayAsync(cancellationToken).ConfigureAwait(false));

    private static EntityQueryDefinition<TEntity, TValue> Define<TContext, TEntity, TResult, TValue>(
        Settings<TContext> settings,
        Expression<Func<TEntity, TResult>>? projection,
        IPayloadSerializer<TValue>? serializer,
        bool ordered,
        TValue empty,
        Func<EntityShape<TEntity>, IQueryable<TResult>, EntityQuery, CancellationToken, Task<TValue>> read)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(settings.Contexts);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Name);
        CacheableCheck.Ensure(typeof(TResult), settings.Name);
        EntityShape<TEntity> shape;
        // The model, not a connection: creating a context and reading its model opens nothing.
        using (var context = settings.Contexts.CreateDbContext())
            shape = EntityShape<TEntity>.Of(context.Model, typeof(TContext));
        var values = serializer ?? MessagePackPayloadSerializer<TValue>.Default;
        var firstWrite = new FirstWriteCheck<TValue>(values, settings.Name);

        async Task<TValue> Fetch(EntityQuery query, CancellationToken cancellationToken)
        {
            // A context per fetch: a refresh runs on a worker, with no request (and no request scope) around it.
            var context = await settings.Contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (context.ConfigureAwait(false))
            {
                var rows = context.Set<TEntity>().AsNoTracking().Where(shape.Predicate(query));
                if (ordered)
                    rows = shape.InKeyOrder(rows);
                var projected = projection is null ? (IQueryable<TResult>)(object)rows : rows.Select(projection);
                var value = await read(shape, projected, query, cancellationToken).ConfigureAwait(false);
                firstWrite.Check(value);
                return value;
            }
        }

        var cached = Cache.Wrap<EntityQuery, TValue>(
            Fetch,
            settings.Policy,
            shape.Key,
            settings.Name,
            empty,
            settings.Runtime,
            values,
            new EntityQuerySerializer<TEntity>(shape),
            settings.StoreName,
            settings.QueueName);
        return new EntityQueryDefinition<TEntity, TValue>(shape, cached);
    }

    private static string Describe(EntityQuery query) =>
        query.Conditions.Count == 0 ? "no condition" : string.Join(", ", query.Conditions.Select(c => $"{c.Name}={c.Value ?? "null"}"));
}
