using Microsoft.EntityFrameworkCore;

namespace Cacheback.Sandbox.Data;

/// <summary>The sandbox's database: one table of <see cref="Item"/>s.</summary>
public sealed class SandboxDb(DbContextOptions<SandboxDb> options) : DbContext(options)
{
    public DbSet<Item> Items => Set<Item>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Item>(item =>
        {
            item.Property(i => i.Name).HasMaxLength(100);
            item.HasIndex(i => i.Name);
        });
}
