using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>
/// What the query jobs do, on any provider: the SQLite and PostgreSQL classes below run every test
/// here, each on a database of its own, with a runtime on fake time.
/// </summary>
public abstract class EntityJobBehaviour(TestDatabase database) : IDisposable
{
    private static readonly Policy TenSeconds = Policy.Create(lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(5));

    protected Harness Harness { get; } = new();

    public void Dispose()
    {
        Harness.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<(CountingContexts Contexts, DbContextOptions<ShopContext> Options)> DatabaseAsync([CallerMemberName] string test = "")
    {
        var options = await database.CreateAsync(test);
        return (new CountingContexts(options), options);
    }

    [Fact]
    public async Task GetByKey_ReturnsTheEntity_ThenServesItFromTheCache()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);

        var first = await items.GetByKeyAsync(2);
        var second = await items.GetByKeyAsync(2);

        Assert.Equal(("Bar", "b", Colour.Green), (first!.Name, first.Note, first.Colour));
        Assert.Equal("Bar", second!.Name);
        Assert.Equal(1, contexts.Fetches);
        Assert.Equal(items.KeyOf(FieldValues.Of("Id", 2)), items.KeyOf(FieldValues.Of("id", "2")));
    }

    [Fact]
    public async Task GetByFields_ReturnsTheOneMatch_AndNullWhenNoneMatches_CachingBoth()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);

        var foobar = await items.GetAsync(FieldValues.Of("Name", "Foobar"));
        var none = await items.GetAsync(FieldValues.Of("Name", "Nothing"));
        var noneAgain = await items.GetAsync(FieldValues.Of("Name", "Nothing"));

        Assert.Equal(3, foobar!.Id);
        Assert.Null(none);
        Assert.Null(noneAgain);
        Assert.Equal(2, contexts.Fetches);
    }

    [Fact]
    public async Task GetByFields_WhenSeveralMatch_FailsNamingTheQuery()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await items.GetAsync(FieldValues.Of("Rank", 3)));

        Assert.Contains("more than one Item matches Rank=3", error.Message, StringComparison.Ordinal);
        Assert.Contains("'items'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetByFields_OnACompositeKey_FindsTheRow_WhileGetByKeySaysToUseTheFields()
    {
        var (contexts, _) = await DatabaseAsync();
        using var stocks = EntityJobs.Get<ShopContext, Stock>(contexts, "stocks", TenSeconds, Harness.Runtime);

        var south = await stocks.GetAsync(FieldValues.Of("Sku", "a").And("Shop", "south"));
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await stocks.GetByKeyAsync("south"));

        Assert.Equal(7, south!.Count);
        Assert.Contains("composite key (Shop, Sku)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_ReturnsEveryMatch_InKeyOrder()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);

        var active = await items.GetAsync(FieldValues.Of("Active", true));
        var activeRankThree = await items.GetAsync(FieldValues.Of("Rank", 3).And("Active", true));
        var green = await items.GetAsync(FieldValues.Of("Colour", "green"));
        var noted = await items.GetAsync(FieldValues.Of("Note", null));
        var none = await items.GetAsync(FieldValues.Of("Name", "Nothing"));
        var all = await items.GetAsync(FieldValues.None);

        Assert.Equal([1, 3, 4], active.Select(i => i.Id));
        Assert.Equal([1, 3], activeRankThree.Select(i => i.Id));
        Assert.Equal([2, 3], green.Select(i => i.Id));
        Assert.Equal([1, 3, 4], noted.Select(i => i.Id));
        Assert.Empty(none);
        Assert.Equal([1, 2, 3, 4], all.Select(i => i.Id));
        Assert.Equal(6, contexts.Fetches);
    }

    [Fact]
    public async Task Projections_CachePlainValues_EvenOfAnEntityWithANavigationCycle()
    {
        var (contexts, _) = await DatabaseAsync();
        using var names = EntityJobs.Filter<ShopContext, Item, string>(contexts, "item-names", i => i.Name, TenSeconds, Harness.Runtime);
        using var blogs = EntityJobs.Get<ShopContext, Blog, BlogSummary>(
            contexts, "blog-summaries", b => new BlogSummary(b.Id, b.Title, b.Posts.Count), TenSeconds, Harness.Runtime);

        var active = await names.GetAsync(FieldValues.Of("Active", true));
        var news = await blogs.GetByKeyAsync(1);

        Assert.Equal(["Foo", "Foobar", "Baz"], active);
        Assert.Equal(new BlogSummary(1, "News", 2), news);
    }

    [Fact]
    public async Task Keys_DoNotDependOnTheOrderOrSpellingOfTheFields_AndTheSameQueryIsOneItem()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        var one = FieldValues.Of("Rank", 3).And("Active", true);

        var sameKeys = new[]
        {
            FieldValues.Of("Active", true).And("Rank", 3),
            FieldValues.From(new Dictionary<string, object?> { ["active"] = "true", ["rank"] = 3L }),
            FieldValues.Of("RANK", "3").And("Active", true),
        }.Select(items.KeyOf);
        await items.GetAsync(one);
        await items.GetAsync(FieldValues.Of("active", "True").And("Rank", (short)3));

        Assert.All(sameKeys, key => Assert.Equal(items.KeyOf(one), key));
        Assert.StartsWith("Item-", items.KeyOf(one), StringComparison.Ordinal);
        Assert.Equal(1, contexts.Fetches);
    }

    [Fact]
    public async Task Keys_OfDifferentQueries_AreDifferent()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        FieldValues[] queries =
        [
            FieldValues.None,
            FieldValues.Of("Name", "1"),
            FieldValues.Of("Rank", 1),
            FieldValues.Of("Name", "Foo"),
            FieldValues.Of("Name", "Foo").And("Note", null),
            FieldValues.Of("Name", "Foo").And("Note", ""),
            FieldValues.Of("Name", "Foo,Note=b"),
            FieldValues.Of("Name", "Foo").And("Note", "b"),
            FieldValues.Of("Name", "Foo\"").And("Note", "b"),
            FieldValues.Of("Name", "Foo").And("Note", "\"b"),
            FieldValues.Of("Name", "null"),
            FieldValues.Of("Note", "null"),
            FieldValues.Of("Note", null),
            FieldValues.Of("Active", true),
            FieldValues.Of("Active", false),
            FieldValues.Of("Colour", Colour.Red),
            FieldValues.Of("Colour", Colour.Green),
            FieldValues.Of("Id", 1).And("Rank", 2),
            FieldValues.Of("Id", 2).And("Rank", 1),
        ];

        var keys = queries.Select(items.KeyOf).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task MissHitStale_OnFakeTime_FetchesOnMiss_ServesHits_AndRefreshesStaleInTheBackground()
    {
        var (contexts, options) = await DatabaseAsync();
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);

        var miss = await items.GetByKeyAsync(1);
        await RenameAsync(options, 1, "Renamed");
        Harness.Time.Advance(TimeSpan.FromSeconds(9));
        var hit = await items.GetByKeyAsync(1);
        Assert.Equal(1, contexts.Fetches);

        Harness.Time.Advance(TimeSpan.FromSeconds(2));
        var refreshed = Harness.NextOutcome();
        var stale = await items.GetByKeyAsync(1);
        await refreshed;
        var fresh = await items.GetByKeyAsync(1);

        Assert.Equal(["Foo", "Foo", "Foo", "Renamed"], new[] { miss, hit, stale, fresh }.Select(i => i!.Name));
        Assert.Equal(1, Harness.Count(CacheEventKind.Miss));
        Assert.Equal(2, Harness.Count(CacheEventKind.Hit));
        Assert.Equal(1, Harness.Count(CacheEventKind.StaleHit));
        Assert.Equal(2, contexts.Fetches);
    }

    [Fact]
    public async Task Filter_WithoutFetchOnMiss_ReturnsEmpty_ThenTheRowsOnceTheBackgroundRefreshLands()
    {
        var (contexts, _) = await DatabaseAsync();
        var lazy = TenSeconds.With(fetchOnMiss: false);
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", lazy, Harness.Runtime);

        var refreshed = Harness.NextOutcome();
        var empty = await items.GetAsync(FieldValues.Of("Name", "Foo"));
        await refreshed;
        var filled = await items.GetAsync(FieldValues.Of("Name", "Foo"));

        Assert.Empty(empty);
        Assert.Equal([1], filled.Select(i => i.Id));
        Assert.Equal(1, contexts.Fetches);
    }

    [Fact]
    public async Task EachFetch_UsesANewContext_Disposed_AndTracksNothing()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        var before = contexts.Made.Count;

        await Task.WhenAll(
            items.GetAsync(FieldValues.Of("Active", true)).AsTask(),
            items.GetAsync(FieldValues.Of("Active", false)).AsTask(),
            items.RefreshAsync(FieldValues.None));

        var used = contexts.Made.Skip(before).ToList();
        Assert.Equal(3, contexts.Fetches);
        Assert.Equal(3, used.Distinct().Count());
        Assert.All(used, context => Assert.Equal(0, context.TrackedAtDispose));
    }

    [Fact]
    public async Task Values_RoundTripThroughAStoreOfBytes()
    {
        var (contexts, _) = await DatabaseAsync();
        using var harness = new Harness(new EncodedStore(new MemoryBinaryStore()));
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, harness.Runtime);

        var fetched = await items.GetAsync(FieldValues.Of("Active", true));
        var read = await items.GetAsync(FieldValues.Of("Active", true));

        Assert.NotSame(fetched, read);
        Assert.Equal(fetched.Select(i => (i.Id, i.Name, i.Rank, i.Active, i.Note, i.Colour)), read.Select(i => (i.Id, i.Name, i.Rank, i.Active, i.Note, i.Colour)));
        Assert.Equal(1, contexts.Fetches);
    }

    [Fact]
    public async Task NoMatch_IsCachedAsNull_InAStoreOfBytesToo()
    {
        var (contexts, _) = await DatabaseAsync();
        using var harness = new Harness(new EncodedStore(new MemoryBinaryStore()));
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, harness.Runtime);

        var none = await items.GetAsync(FieldValues.Of("Name", "Nothing"));
        var again = await items.GetAsync(FieldValues.Of("Name", "Nothing"));

        Assert.Null(none);
        Assert.Null(again);
        Assert.Equal(1, contexts.Fetches);
        Assert.Equal(1, harness.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Invalidate_AfterTheRowsChanged_ServesTheOldListOnce_AndRefreshesItInTheBackground()
    {
        var (contexts, options) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        var active = FieldValues.Of("Active", true);

        var before = await items.GetAsync(active);
        await RenameAsync(options, 4, "Qux");
        var refreshed = Harness.NextOutcome();
        Assert.True(await items.InvalidateAsync(active));
        await refreshed;
        var after = await items.GetAsync(active);

        Assert.Equal(["Foo", "Foobar", "Baz"], before.Select(i => i.Name));
        Assert.Equal(["Foo", "Foobar", "Qux"], after.Select(i => i.Name));
        Assert.Equal(2, contexts.Fetches);
    }

    [Fact]
    public async Task EnqueueRefresh_RunsTheQueryInTheBackground_OnAContextOfItsOwn()
    {
        var (contexts, options) = await DatabaseAsync();
        using var items = EntityJobs.Get<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        var foo = FieldValues.Of("Id", 1);

        await items.GetAsync(foo);
        await RenameAsync(options, 1, "Refreshed");
        var refreshed = Harness.NextOutcome();
        await items.EnqueueRefreshAsync(foo);
        var outcome = await refreshed;
        var read = await items.GetByKeyAsync(1);

        Assert.Equal((RefreshResult.Succeeded, "items", items.KeyOf(foo)), (outcome.Result, outcome.Request.Job, outcome.Request.Key));
        Assert.Equal("Refreshed", read!.Name);
        Assert.Equal(2, contexts.Fetches);
        Assert.Equal(3, contexts.Made.Count); // the model's, then one per fetch
        Assert.All(contexts.Made, context => Assert.Equal(0, context.TrackedAtDispose));
    }

    [Fact]
    public async Task AValue_TheSerializerCannotRebuild_FailsTheFirstFetch_NamingTheJobAndTheType()
    {
        var (contexts, _) = await DatabaseAsync();
        using var totals = EntityJobs.Get<ShopContext, Item, Total>(contexts, "totals", i => new Total(i.Id, i.Rank), TenSeconds, Harness.Runtime);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await totals.GetByKeyAsync(1));

        Assert.Contains("Query job 'totals' cannot cache its value of type Total", error.Message, StringComparison.Ordinal);
        Assert.Contains("its serializer (MessagePackPayloadSerializer`1)", error.Message, StringComparison.Ordinal);
        Assert.Null(await totals.RawGetAsync(FieldValues.Of("Id", 1)));
    }

    [Fact]
    public async Task AQuery_NamingAFieldTheEntityLacks_FailsNamingItAndTheFieldsThereAre()
    {
        var (contexts, _) = await DatabaseAsync();
        using var items = EntityJobs.Filter<ShopContext, Item>(contexts, "items", TenSeconds, Harness.Runtime);
        using var blogs = EntityJobs.Filter<ShopContext, Blog, string>(contexts, "blogs", b => b.Title, TenSeconds, Harness.Runtime);

        var unknown = await Assert.ThrowsAsync<ArgumentException>(async () => await items.GetAsync(FieldValues.Of("Nmae", "Foo")));
        var navigation = await Assert.ThrowsAsync<ArgumentException>(async () => await blogs.GetAsync(FieldValues.Of("Posts", 1)));
        var misfit = await Assert.ThrowsAsync<ArgumentException>(async () => await items.GetAsync(FieldValues.Of("Rank", "high")));
        var notNull = await Assert.ThrowsAsync<ArgumentException>(async () => await items.GetAsync(FieldValues.Of("Name", null)));
        var twice = Assert.Throws<ArgumentException>(() => items.KeyOf(FieldValues.Of("Name", "a").And("name", "b")));

        Assert.Contains("Item has no field 'Nmae'; its fields are Active, Colour, Id, Name, Note, Rank", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Blog.Posts is a navigation", navigation.Message, StringComparison.Ordinal);
        Assert.Contains("Item.Rank is a Int32", misfit.Message, StringComparison.Ordinal);
        Assert.Contains("Item.Name cannot be null", notNull.Message, StringComparison.Ordinal);
        Assert.Contains("Item.Name is given twice", twice.Message, StringComparison.Ordinal);
        Assert.Equal(0, contexts.Fetches);
    }

    [Fact]
    public async Task AJob_ThatCannotCacheItsValues_FailsWhenDefined_NamingTheTypeAndMember()
    {
        var (contexts, _) = await DatabaseAsync();

        var cycle = Assert.Throws<ArgumentException>(() => EntityJobs.Get<ShopContext, Blog>(contexts, "blogs", runtime: Harness.Runtime));
        var delegateMember = Assert.Throws<ArgumentException>(() => EntityJobs.Filter<ShopContext, Gadget>(contexts, "gadgets", runtime: Harness.Runtime));
        var unmapped = Assert.Throws<ArgumentException>(() => EntityJobs.Get<ShopContext, Unmapped>(contexts, "unmapped", runtime: Harness.Runtime));
        var projected = Assert.Throws<ArgumentException>(() => EntityJobs.Filter<ShopContext, Post, Blog?>(contexts, "post-blogs", p => p.Blog, runtime: Harness.Runtime));

        Assert.Contains("cannot cache Blog: its navigations or members form a cycle (Blog.Posts → Post.Blog → Blog again)", cycle.Message, StringComparison.Ordinal);
        Assert.Contains("Gadget.Callback is a delegate", delegateMember.Message, StringComparison.Ordinal);
        Assert.Contains("Unmapped is not an entity type of ShopContext's model", unmapped.Message, StringComparison.Ordinal);
        Assert.Contains("cycle", projected.Message, StringComparison.Ordinal);
        Assert.Equal(0, contexts.Fetches);
    }

    private static async Task RenameAsync(DbContextOptions<ShopContext> options, int id, string name)
    {
        await using var context = new ShopContext(options);
        var item = await context.Items.SingleAsync(i => i.Id == id);
        item.Name = name;
        await context.SaveChangesAsync();
    }
}

public sealed class SqliteEntityJobTests(SqliteDatabase database) : EntityJobBehaviour(database), IClassFixture<SqliteDatabase>;

public sealed class PostgresEntityJobTests(PostgresDatabase database) : EntityJobBehaviour(database), IClassFixture<PostgresDatabase>;
