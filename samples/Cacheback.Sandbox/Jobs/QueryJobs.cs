using Cacheback.Sandbox.Data;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Sandbox.Jobs;

// The seed's QuerySetFilterJob(DummyModel, 10, False).get(name=name), written by hand as a plain
// job over IDbContextFactory until src/Cacheback.EntityFrameworkCore's ready-made query jobs land;
// this file is the one to swap for them.

/// <summary>
/// The items whose name equals the filter's: a query-filter job, keyed like the EF Core jobs
/// (the entity's name, then the field/value pair), 10 s lifetime, no fetch on a miss.
/// </summary>
public sealed class ItemFilterJob(IDbContextFactory<SandboxDb> db, FetchCounter counter) : Job<string, Item[]>
{
    public const string JobName = "item-filter";

    public override string Name => JobName;

    public override TimeSpan Lifetime => TimeSpan.FromSeconds(10);

    public override bool FetchOnMiss => false;

    public override Item[] Empty() => [];

    public override string Key(string args) => $"{nameof(Item)}?{nameof(Item.Name)}={Uri.EscapeDataString(args)}";

    protected override async Task<Item[]> Fetch(string args, CancellationToken cancellationToken)
    {
        // Its own context per fetch (a background refresh has no request scope), read without tracking.
        await using var context = await db.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var items = await context.Items.AsNoTracking().Where(i => i.Name == args).OrderBy(i => i.Id).ToArrayAsync(cancellationToken).ConfigureAwait(false);
        counter.Record(JobName);
        return items;
    }
}
