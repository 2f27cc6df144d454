using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>
/// The app's context factory, watched: every context it made, and how many a fetch asked for
/// (fetches ask asynchronously; defining a job reads the model on one made synchronously).
/// </summary>
public sealed class CountingContexts(DbContextOptions<ShopContext> options) : IDbContextFactory<ShopContext>
{
    private int _fetches;

    public ConcurrentQueue<ShopContext> Made { get; } = new();

    /// <summary>Contexts made for fetches.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public ShopContext CreateDbContext()
    {
        var context = new ShopContext(options);
        Made.Enqueue(context);
        return context;
    }

    public Task<ShopContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _fetches);
        return Task.FromResult(CreateDbContext());
    }
}
