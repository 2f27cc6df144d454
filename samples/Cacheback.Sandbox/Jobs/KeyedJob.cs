using Cacheback.Sandbox.Data;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Sandbox.Jobs;

/// <summary>
/// The seed's <c>KeyedJob</c>: the items with a given name, keyed by the name itself. Stale after
/// 5 s (served, refreshed behind); older than 10 s, a read fetches now instead of serving it.
/// </summary>
public sealed class KeyedJob(IDbContextFactory<SandboxDb> db, FetchCounter counter) : Job<string, Item[]>
{
    public const string JobName = "keyed";

    public override string Name => JobName;

    public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromSeconds(5), fetchOnStaleThreshold: TimeSpan.FromSeconds(10));

    public override string Key(string args) => args;

    protected override async Task<Item[]> Fetch(string args, CancellationToken cancellationToken)
    {
        await using var context = await db.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var items = await context.Items.AsNoTracking().Where(i => i.Name == args).OrderBy(i => i.Id).ToArrayAsync(cancellationToken).ConfigureAwait(false);
        counter.Record(JobName);
        return items;
    }
}
