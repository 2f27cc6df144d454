using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>The seed's DummyModel: a name, and a few fields to filter on.</summary>
public sealed class Item
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public int Rank { get; set; }

    public bool Active { get; set; }

    public string? Note { get; set; }

    public Colour Colour { get; set; }
}

public enum Colour
{
    Red,
    Green,
}

/// <summary>A stock line, keyed by shop and SKU together.</summary>
public sealed class Stock
{
    public string Shop { get; set; } = "";

    public string Sku { get; set; } = "";

    public int Count { get; set; }
}

/// <summary>A blog and its posts point at each other: a navigation cycle, cached only through a projection.</summary>
public sealed class Blog
{
    public int Id { get; set; }

    public string Title { get; set; } = "";

    public List<Post> Posts { get; set; } = [];
}

public sealed class Post
{
    public int Id { get; set; }

    public string Title { get; set; } = "";

    public int BlogId { get; set; }

    public Blog? Blog { get; set; }
}

/// <summary>A projection of a blog: plain values only.</summary>
public sealed record BlogSummary(int Id, string Title, int PostCount);

/// <summary>An entity with a member no serializer can write back.</summary>
public sealed class Gadget
{
    public int Id { get; set; }

    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public Func<int>? Callback { get; set; }
}

/// <summary>An entity not mapped by <see cref="ShopContext"/>.</summary>
public sealed class Unmapped
{
    public int Id { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Item> Items => Set<Item>();

    public DbSet<Stock> Stocks => Set<Stock>();

    public DbSet<Blog> Blogs => Set<Blog>();

    public DbSet<Post> Posts => Set<Post>();

    public DbSet<Gadget> Gadgets => Set<Gadget>();

    /// <summary>How many entities the context tracked when it was disposed (set then).</summary>
    public int? TrackedAtDispose { get; private set; }

    public override void Dispose()
    {
        TrackedAtDispose ??= ChangeTracker.Entries().Count();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        TrackedAtDispose ??= ChangeTracker.Entries().Count();
        return base.DisposeAsync();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Item>().Property(i => i.Id).ValueGeneratedNever();
        modelBuilder.Entity<Stock>().HasKey(s => new { s.Shop, s.Sku });
        modelBuilder.Entity<Blog>().Property(b => b.Id).ValueGeneratedNever();
        modelBuilder.Entity<Post>().Property(p => p.Id).ValueGeneratedNever();
        modelBuilder.Entity<Gadget>().Property(g => g.Id).ValueGeneratedNever();
    }
}

/// <summary>A projection MessagePack cannot rebuild: its constructor's parameters match none of its members.</summary>
public sealed class Total(int left, int right)
{
    public int Sum { get; } = left + right;
}
