namespace Cacheback;

/// <summary>
/// One entity (or its projection) by field values or by its key, cached: django-cacheback's
/// <c>QuerySetGetJob</c>. <see langword="null"/> when none matches (and that is cached too, until
/// the item goes stale); more than one match fails the fetch, naming the query.
/// </summary>
/// <typeparam name="TEntity">The entity type queried.</typeparam>
/// <typeparam name="TResult">What is cached: the entity, or the job's projection of it.</typeparam>
public class EntityGetJob<TEntity, TResult> : EntityQueryJob<TEntity, TResult?>
    where TEntity : class
{
    private protected EntityGetJob(EntityQueryDefinition<TEntity, TResult?> definition)
        : base(definition)
    {
    }

    internal static EntityGetJob<TEntity, TResult> Create(EntityQueryDefinition<TEntity, TResult?> definition) => new(definition);

    /// <summary>The entity whose primary key is <paramref name="key"/>, through the cache: the same item as <see cref="EntityQueryJob{TEntity, TValue}.GetAsync"/> with the key's field.</summary>
    /// <param name="key">The primary key's value (converted to its type as a field value is).</param>
    /// <param name="cancellationToken">Stops this caller waiting; never cancels a fetch others share.</param>
    /// <exception cref="ArgumentException">The entity is keyless or has a composite key (query by its fields), or the value does not fit the key.</exception>
    public ValueTask<TResult?> GetByKeyAsync(object key, CancellationToken cancellationToken = default) =>
        Cached.GetAsync(KeyQuery(key), cancellationToken);
}

/// <summary>One entity by field values or by its key, cached as it is read (no projection). See <see cref="EntityGetJob{TEntity, TResult}"/>.</summary>
/// <typeparam name="TEntity">The entity type queried and cached.</typeparam>
public sealed class EntityGetJob<TEntity> : EntityGetJob<TEntity, TEntity>
    where TEntity : class
{
    internal EntityGetJob(EntityQueryDefinition<TEntity, TEntity?> definition)
        : base(definition)
    {
    }
}
