using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>Query jobs registered with the services: resolved by name or type, registered when the host starts, and shared by name between a web node and a worker process.</summary>
public abstract class EntityJobServicesBehaviour(TestDatabase database)
{
    private static readonly Policy TenSeconds = Policy.Create(lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(5));
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>The app's registrations, as the web node and the worker both make them.</summary>
    private static IServiceCollection AddShopCaching(IServiceCollection services) =>
        services
            .AddEntityFilterJob<ShopContext, Item>("items", TenSeconds)
            .AddEntityGetJob<ShopContext, Item>("item", TenSeconds)
            .AddEntityGetJob<ShopContext, Blog, BlogSummary>("blog", b => new BlogSummary(b.Id, b.Title, b.Posts.Count), TenSeconds);

    private IHost Build(IDbContextFactory<ShopContext> contexts, Action<IServiceCollection> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton(contexts);
        configure(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task Jobs_ResolveByNameAndByType_AndAreRegisteredByNameWhenTheHostStarts()
    {
        var options = await database.CreateAsync(Test());
        var contexts = new CountingContexts(options);
        using var host = Build(contexts, s => AddShopCaching(s));
        await host.StartAsync();

        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        var items = host.Services.GetRequiredKeyedService<EntityFilterJob<Item>>("items");
        var item = host.Services.GetRequiredService<EntityGetJob<Item>>();
        var blog = host.Services.GetRequiredKeyedService<EntityGetJob<Blog, BlogSummary>>("blog");

        Assert.Equal(["blog", "item", "items"], runtime.Registry.Names.Order(StringComparer.Ordinal));
        Assert.Same(items, host.Services.GetRequiredKeyedService<EntityFilterJob<Item, Item>>("items"));
        Assert.Equal([1, 3, 4], (await items.GetAsync(FieldValues.Of("Active", true))).Select(i => i.Id));
        Assert.Equal("Baz", (await item.GetByKeyAsync(4))!.Name);
        Assert.Equal(new BlogSummary(1, "News", 2), await blog.GetByKeyAsync(1));
        Assert.Equal(3, contexts.Fetches);
        await host.StopAsync();
    }

    [Fact]
    public async Task AWorkerProcess_WithTheSameRegistrations_RefreshesWhatTheWebNodeServesStale()
    {
        var options = await database.CreateAsync(Test());
        var (webContexts, workerContexts) = (new CountingContexts(options), new CountingContexts(options));
        // What Redis shares between processes: one store and one queue.
        var store = new MemoryStore(_time);
        var queue = new InProcessQueue();
        void Shared(CachebackOptions o)
        {
            o.Stores[CachebackRuntimeOptions.DefaultName] = store;
            o.Queues[CachebackRuntimeOptions.DefaultName] = queue;
        }

        using var web = Build(webContexts, s => AddShopCaching(s).AddCacheback(o => { Shared(o); o.RunRefreshWorker = false; }));
        using var worker = Build(workerContexts, s => AddShopCaching(s).AddCachebackWorker(Shared));
        await web.StartAsync();
        await worker.StartAsync();
        var items = web.Services.GetRequiredKeyedService<EntityFilterJob<Item>>("items");

        var first = await items.GetAsync(FieldValues.Of("Name", "Foo"));
        await RenameAsync(options, 1, "Foo", rank: 9);
        _time.Advance(TimeSpan.FromSeconds(11));
        var landed = worker.Services.GetRequiredService<CachebackRuntime>().Outcomes.FirstAsync().ToTask();
        var stale = await items.GetAsync(FieldValues.Of("Name", "Foo"));
        var outcome = await landed.WaitAsync(Bound);
        var fresh = await items.GetAsync(FieldValues.Of("Name", "Foo"));

        Assert.Equal((RefreshResult.Succeeded, "items"), (outcome.Result, outcome.Request.Job));
        Assert.Equal([3, 3, 9], new[] { first, stale, fresh }.Select(list => Assert.Single(list).Rank));
        Assert.Equal((1, 1), (webContexts.Fetches, workerContexts.Fetches));
        await worker.StopAsync();
        await web.StopAsync();
    }

    [Fact]
    public async Task Start_WithoutAContextFactory_FailsNamingTheJobAndTheFactory()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddEntityFilterJob<ShopContext, Item>("items");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Query job 'items' needs IDbContextFactory<ShopContext>: register it with AddDbContextFactory<ShopContext>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddingTwoJobsOfOneName_Fails_AndTwoOfOneType_AreAskedForByName()
    {
        var services = new ServiceCollection().AddEntityFilterJob<ShopContext, Item>("items");

        var twice = Assert.Throws<ArgumentException>(() => services.AddEntityGetJob<ShopContext, Item>("items"));
        services.AddEntityFilterJob<ShopContext, Item>("more-items");
        services.AddSingleton<IDbContextFactory<ShopContext>>(new CountingContexts(new DbContextOptionsBuilder<ShopContext>().UseSqlite("Data Source=:memory:").Options));
        using var provider = services.BuildServiceProvider();
        var unnamed = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<EntityFilterJob<Item>>());

        Assert.Contains("A query job named 'items' is already registered", twice.Message, StringComparison.Ordinal);
        Assert.Contains("2 query jobs of type EntityFilterJob<Item> are registered (items, more-items)", unnamed.Message, StringComparison.Ordinal);
    }

    private static async Task RenameAsync(DbContextOptions<ShopContext> options, int id, string name, int rank)
    {
        await using var context = new ShopContext(options);
        var item = await context.Items.SingleAsync(i => i.Id == id);
        (item.Name, item.Rank) = (name, rank);
        await context.SaveChangesAsync();
    }

    private static string Test([CallerMemberName] string test = "") => $"di_{test}";
}

public sealed class SqliteEntityJobServicesTests(SqliteDatabase database) : EntityJobServicesBehaviour(database), IClassFixture<SqliteDatabase>;

public sealed class PostgresEntityJobServicesTests(PostgresDatabase database) : EntityJobServicesBehaviour(database), IClassFixture<PostgresDatabase>;
