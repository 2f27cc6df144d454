using Microsoft.EntityFrameworkCore;

namespace Cacheback.Sandbox.Data;

/// <summary>Creates the database and fills it as the seed's fixture did: <c>Item_0</c> to <c>Item_99</c>.</summary>
public static class SandboxDatabase
{
    public const int ItemCount = 100;

    /// <summary>Creates the tables when missing and adds the items when there are none; the web app calls it at start.</summary>
    public static async Task EnsureSeededAsync(IDbContextFactory<SandboxDb> factory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        if (await db.Items.AnyAsync(cancellationToken).ConfigureAwait(false))
            return;
        // A fixed date, as in the seed's fixture: the page shows the same items on every machine.
        var created = new DateTime(2012, 8, 7, 8, 23, 24, DateTimeKind.Utc);
        db.Items.AddRange(Enumerable.Range(0, ItemCount).Select(i => new Item { Name = $"Item_{i}", Created = created.AddMilliseconds(i) }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
