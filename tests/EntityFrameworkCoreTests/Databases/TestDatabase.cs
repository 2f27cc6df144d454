using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>A database server (or engine) the behaviour tests run on: each test gets a database of its own, created and seeded.</summary>
public abstract class TestDatabase : IAsyncLifetime
{
    public abstract string Provider { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>The options of a new, empty database named after <paramref name="test"/>.</summary>
    protected abstract DbContextOptions<ShopContext> OptionsFor(string test);

    /// <summary>A new database with the shop's schema and <see cref="Seed"/>'s rows.</summary>
    public async Task<DbContextOptions<ShopContext>> CreateAsync(string test)
    {
        var options = OptionsFor(test);
        await using var context = new ShopContext(options);
        await context.Database.EnsureDeletedAsync();
        await context.Database.EnsureCreatedAsync();
        Seed(context);
        await context.SaveChangesAsync();
        return options;
    }

    private static void Seed(ShopContext context)
    {
        context.Items.AddRange(
            new Item { Id = 1, Name = "Foo", Rank = 3, Active = true, Colour = Colour.Red },
            new Item { Id = 2, Name = "Bar", Rank = 1, Active = false, Colour = Colour.Green, Note = "b" },
            new Item { Id = 3, Name = "Foobar", Rank = 3, Active = true, Colour = Colour.Green },
            new Item { Id = 4, Name = "Baz", Rank = 2, Active = true, Colour = Colour.Red });
        context.Stocks.AddRange(
            new Stock { Shop = "north", Sku = "a", Count = 5 },
            new Stock { Shop = "south", Sku = "a", Count = 7 });
        context.Blogs.Add(new Blog { Id = 1, Title = "News", Posts = [new Post { Id = 1, Title = "One" }, new Post { Id = 2, Title = "Two" }] });
        context.Gadgets.Add(new Gadget { Id = 1 });
    }
}
