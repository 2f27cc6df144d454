namespace Cacheback;

/// <summary>
/// What every EF Core query job does: read through the cache by field values, and reach the item
/// a query is cached under. Made by <see cref="EntityJobs"/> or registered with
/// <c>AddEntityGetJob</c> / <c>AddEntityFilterJob</c>.
/// </summary>
/// <remarks>
/// Every operation checks the query against the entity's model first: a field the entity does not
/// have, or a value that does not convert to the field's type, is an <see cref="ArgumentException"/>
/// naming it, before the cache is touched.
/// </remarks>
/// <typeparam name="TEntity">The entity type queried.</typeparam>
/// <typeparam name="TValue">What a query's item holds.</typeparam>
public abstract class EntityQueryJob<TEntity, TValue> : IDisposable
    where TEntity : class
{
    private readonly EntityShape<TEntity> _shape;
    private readonly CachedFetch<EntityQuery, TValue> _cached;

    private protected EntityQueryJob(EntityQueryDefinition<TEntity, TValue> definition)
    {
        _shape = definition.Shape;
        _cached = definition.Cached;
    }

    /// <summary>The job's registered name (its store partition, and its name in refresh requests).</summary>
    public string Name => _cached.Name;

    /// <summary>The thresholds.</summary>
    public Policy Policy => _cached.Policy;

    /// <summary>The key a query is cached under: the entity type's name and the hash of its field/value pairs (in any order, the same key).</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public string KeyOf(FieldValues fields) => _cached.KeyOf(_shape.Resolve(fields));

    /// <summary>
    /// The cached result of the query: fresh, or stale while one refresh runs in the background,
    /// or fetched now on a miss (with <see cref="Policy.FetchOnMiss"/>; one fetch shared by
    /// concurrent callers). A fetch reads on a <c>DbContext</c> of its own, without tracking.
    /// </summary>
    /// <param name="fields">The field/value pairs to match (<see cref="FieldValues.None"/> for no condition).</param>
    /// <param name="cancellationToken">Stops this caller waiting; never cancels a fetch others share.</param>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    /// <exception cref="TimeoutException">The fetch made for this read outlasted the refresh timeout.</exception>
    public ValueTask<TValue> GetAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.GetAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>Stores <paramref name="value"/> as the query's result, fresh for the policy's lifetime.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public Task SetAsync(FieldValues fields, TValue value, CancellationToken cancellationToken = default) =>
        _cached.SetAsync(_shape.Resolve(fields), value, cancellationToken);

    /// <summary>Removes the query's item; whether one was there.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public Task<bool> DeleteAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.DeleteAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>Marks the query's item stale and enqueues its refresh (after the rows changed); whether an item was there.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public Task<bool> InvalidateAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.InvalidateAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>Runs the query now, stores and returns its result.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    /// <exception cref="TimeoutException">The fetch outlasted the refresh timeout (nothing was stored).</exception>
    public Task<TValue> RefreshAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.RefreshAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>Enqueues a background refresh of the query (a worker runs it); if the queue cannot take it, refreshes now and logs. Never throws for either.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public Task EnqueueRefreshAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.EnqueueRefreshAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>What is stored for the query (value, times, lease), with no side effects; <see langword="null"/> when absent.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have, or a value that does not fit it.</exception>
    public Task<Envelope<TValue>?> RawGetAsync(FieldValues fields, CancellationToken cancellationToken = default) =>
        _cached.RawGetAsync(_shape.Resolve(fields), cancellationToken);

    /// <summary>Unregisters the job from its runtime (what is stored stays until its TTL).</summary>
    public void Dispose()
    {
        _cached.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The query matching the primary key <paramref name="key"/>.</summary>
    private protected EntityQuery KeyQuery(object key) => _shape.ResolveKey(key);

    /// <summary>The cached fetch behind the job.</summary>
    private protected CachedFetch<EntityQuery, TValue> Cached => _cached;
}
