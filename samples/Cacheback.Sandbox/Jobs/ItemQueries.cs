namespace Cacheback.Sandbox.Jobs;

/// <summary>
/// The seed's query jobs, ready-made by <c>Cacheback.EntityFrameworkCore</c> rather than written:
/// <c>QuerySetFilterJob(DummyModel, 10, False).get(name=name)</c> is an <see cref="EntityFilterJob{TEntity}"/>
/// over <see cref="Data.Item"/>, and <c>QuerySetGetJob(DummyModel).get(name=name)</c> an
/// <see cref="EntityGetJob{TEntity}"/>. <see cref="SandboxServiceCollectionExtensions.AddSandboxJobs"/>
/// registers both by name (<c>AddEntityFilterJob</c>, <c>AddEntityGetJob</c>), so a worker that
/// calls it too refreshes them; a view asks for one with <c>GetRequiredKeyedService</c>.
/// </summary>
public static class ItemQueries
{
    /// <summary>The items whose fields have the values given, as one list in key order.</summary>
    public const string FilterJob = "item-filter";

    /// <summary>The one item whose fields have the values given, or null.</summary>
    public const string GetJob = "item-get";

    /// <summary>The seed's <c>QuerySetFilterJob(DummyModel, 10, False)</c>: 10 s lifetime, a miss is empty at once and fills behind.</summary>
    public static readonly Policy FilterPolicy = Policy.Create(lifetime: TimeSpan.FromSeconds(10), fetchOnMiss: false);

    /// <summary>The get job's: 10 s lifetime, and a miss fetches before answering (the seed's default).</summary>
    public static readonly Policy GetPolicy = Policy.Create(lifetime: TimeSpan.FromSeconds(10));

    /// <summary>The jobs whose fetches <see cref="MeteredFetches"/> counts (the others count their own).</summary>
    internal static readonly string[] Jobs = [FilterJob, GetJob];
}
