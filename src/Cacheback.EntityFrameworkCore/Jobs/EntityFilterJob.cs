namespace Cacheback;

/// <summary>
/// The entities (or their projections) matching field values, cached as one list in primary key
/// order: django-cacheback's <c>QuerySetFilterJob</c>. An empty list when none match, and when a
/// miss does not fetch (<see cref="Policy.FetchOnMiss"/> off).
/// </summary>
/// <typeparam name="TEntity">The entity type queried.</typeparam>
/// <typeparam name="TResult">What each element is: the entity, or the job's projection of it.</typeparam>
public class EntityFilterJob<TEntity, TResult> : EntityQueryJob<TEntity, IReadOnlyList<TResult>>
    where TEntity : class
{
    private protected EntityFilterJob(EntityQueryDefinition<TEntity, IReadOnlyList<TResult>> definition)
        : base(definition)
    {
    }

    internal static EntityFilterJob<TEntity, TResult> Create(EntityQueryDefinition<TEntity, IReadOnlyList<TResult>> definition) => new(definition);
}

/// <summary>The entities matching field values, cached as they are read (no projection). See <see cref="EntityFilterJob{TEntity, TResult}"/>.</summary>
/// <typeparam name="TEntity">The entity type queried and cached.</typeparam>
public sealed class EntityFilterJob<TEntity> : EntityFilterJob<TEntity, TEntity>
    where TEntity : class
{
    internal EntityFilterJob(EntityQueryDefinition<TEntity, IReadOnlyList<TEntity>> definition)
        : base(definition)
    {
    }
}
