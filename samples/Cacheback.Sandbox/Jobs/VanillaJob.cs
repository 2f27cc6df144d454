using Cacheback.Sandbox.Data;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Sandbox.Jobs;

/// <summary>
/// The seed's <c>VanillaJob</c>: every item, from a slow fetch. A miss does not wait for it
/// (<see cref="FetchOnMiss"/> off): the first read gets an empty list at once and the fetch runs
/// in the background; a read after it lands gets the items. The short refresh timeout means a
/// refresh that never lands (a worker killed mid-fetch) is triggered again 5 s later.
/// </summary>
public sealed class VanillaJob(IDbContextFactory<SandboxDb> db, FetchCounter counter, SandboxSettings settings, TimeProvider time)
    : Job<ValueTuple, Item[]>
{
    public const string JobName = "vanilla";

    public override string Name => JobName;

    public override Policy Policy => Runtime.Options.DefaultPolicy.With(fetchOnMiss: false, refreshTimeout: SandboxSettings.VanillaRefreshTimeout);

    public override Item[] Empty() => [];

    protected override async Task<Item[]> Fetch(ValueTuple args, CancellationToken cancellationToken)
    {
        // The seed sleeps 10 s; ours waits on the app's clock, so a test moves it on instead of waiting
        // (the delay is started before it is counted, so a test that saw the count may move the clock).
        var slowBackend = Task.Delay(settings.SlowFetch, time, cancellationToken);
        counter.Started(JobName);
        await slowBackend.ConfigureAwait(false);
        await using var context = await db.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var items = await context.Items.AsNoTracking().OrderBy(i => i.Id).ToArrayAsync(cancellationToken).ConfigureAwait(false);
        counter.Record(JobName);
        return items;
    }
}
