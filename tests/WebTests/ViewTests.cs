using Cacheback.Sandbox.Jobs;

namespace Cacheback.Web.Tests;

/// <summary>Every view of the sandbox over HTTP, on the app's fake clock: what it returns, what the cache did, how often it fetched.</summary>
public sealed class ViewTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly string[] ContainingOne = [.. Enumerable.Range(0, 100).Where(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture).Contains('1')).Select(i => $"Item_{i}")];
    private static readonly string[] ContainingThree = [.. Enumerable.Range(0, 100).Where(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture).Contains('3')).Select(i => $"Item_{i}")];

    private readonly SandboxFactory _app = SandboxFactory.OnFakeTime();
    private readonly HttpClient _client;

    public ViewTests() => _client = _app.CreateClient();

    public Task InitializeAsync() => Task.CompletedTask;

    // Awaited, not blocked on: stopping the host must not hold one of xUnit's few test threads.
    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Vanilla_Miss_IsEmptyAtOnceAndFilledByOneSlowFetchBehind()
    {
        var first = await PageReader.GetAsync(_client, "/");

        Assert.Equal(("miss", "vanilla", 0, 0L), (first.Status, first.Job, first.Count, first.Fetches));
        await _app.Fetches.WhenStartedAsync(VanillaJob.JobName, 1).WaitAsync(Bound);
        Assert.Equal(0, _app.Fetches[VanillaJob.JobName]); // the page came back while the fetch still waits on its backend
        _app.Time.Advance(TimeSpan.FromSeconds(3));
        await _app.Fetches.WhenAsync(VanillaJob.JobName, 1).WaitAsync(Bound);
        await _app.Refreshes.WhenAsync(VanillaJob.JobName, 1).WaitAsync(Bound); // and written

        var filled = await PageReader.GetAsync(_client, "/");
        Assert.Equal(("hit", 100, 1L), (filled.Status, filled.Count, filled.Fetches));
        Assert.Equal("Item_0", filled.Items[0]);
        Assert.Equal("Item_99", filled.Items[^1]);
    }

    [Fact]
    public async Task Vanilla_StaleRead_IsAnsweredWithoutWaitingForTheRefresh()
    {
        await PageReader.GetAsync(_client, "/");
        await _app.Fetches.WhenStartedAsync(VanillaJob.JobName, 1).WaitAsync(Bound);
        _app.Time.Advance(TimeSpan.FromSeconds(3));
        await _app.Refreshes.WhenAsync(VanillaJob.JobName, 1).WaitAsync(Bound);
        _app.Time.Advance(TimeSpan.FromSeconds(601)); // past the default lifetime, 600 s

        // The refresh's fetch waits on the fake clock, which nobody moves: a read that waited for it would never return.
        var stale = await PageReader.GetAsync(_client, "/").WaitAsync(Bound);
        await _app.Fetches.WhenStartedAsync(VanillaJob.JobName, 2).WaitAsync(Bound);

        Assert.Equal(("stale", 100, 1L), (stale.Status, stale.Count, stale.Fetches));
        var again = await PageReader.GetAsync(_client, "/").WaitAsync(Bound);
        Assert.Equal("stale", again.Status);
        Assert.Equal(2, _app.Fetches.StartedOf(VanillaJob.JobName)); // one refresh per stale episode, however many reads
        _app.Time.Advance(TimeSpan.FromSeconds(3));
        await _app.Refreshes.WhenAsync(VanillaJob.JobName, 2).WaitAsync(Bound);
        var fresh = await PageReader.GetAsync(_client, "/");
        Assert.Equal(("hit", 2L), (fresh.Status, fresh.Fetches));
    }

    [Fact]
    public async Task Keyed_FetchesOnMiss_ServesStaleAfterFiveSeconds_FetchesFirstPastTen()
    {
        var miss = await PageReader.GetAsync(_client, "/?name=Item_1");
        Assert.Equal(("miss", "keyed", 1L), (miss.Status, miss.Job, miss.Fetches));
        Assert.Equal(["Item_1"], miss.Items);

        var hit = await PageReader.GetAsync(_client, "/?name=Item_1");
        Assert.Equal(("hit", 1L), (hit.Status, hit.Fetches));

        _app.Time.Advance(TimeSpan.FromSeconds(6));
        var stale = await PageReader.GetAsync(_client, "/?name=Item_1");
        Assert.Equal("stale", stale.Status);
        Assert.Equal(["Item_1"], stale.Items);
        await _app.Refreshes.WhenAsync(KeyedJob.JobName, 1).WaitAsync(Bound); // the refresh, behind
        Assert.Equal("hit", (await PageReader.GetAsync(_client, "/?name=Item_1")).Status);

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // older than FetchOnStaleThreshold: fetched before answering
        var tooStale = await PageReader.GetAsync(_client, "/?name=Item_1");
        Assert.Equal(3L, tooStale.Fetches);
        Assert.Equal(["Item_1"], tooStale.Items);

        var other = await PageReader.GetAsync(_client, "/?name=Nobody");
        Assert.Equal(("miss", 0, 4L), (other.Status, other.Count, other.Fetches)); // its own key
    }

    [Fact]
    public async Task QueryFilter_MissIsEmpty_ThenTheFilteredItems_OnItsOwnKeys()
    {
        var miss = await PageReader.GetAsync(_client, "/?name=Item_2&qs");
        Assert.Equal(("miss", ItemQueries.FilterJob, 0, 0L), (miss.Status, miss.Job, miss.Count, miss.Fetches));
        await _app.Refreshes.WhenAsync(ItemQueries.FilterJob, 1).WaitAsync(Bound);

        var hit = await PageReader.GetAsync(_client, "/?name=Item_2&qs");
        Assert.Equal(("hit", 1L), (hit.Status, hit.Fetches));
        Assert.Equal(["Item_2"], hit.Items);
        Assert.Equal(0, _app.Fetches[KeyedJob.JobName]); // the keyed view's cache is another

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // lifetime 10 s
        var stale = await PageReader.GetAsync(_client, "/?name=Item_2&qs");
        Assert.Equal(("stale", 1), (stale.Status, stale.Count));
        await _app.Refreshes.WhenAsync(ItemQueries.FilterJob, 2).WaitAsync(Bound);
        Assert.Equal("hit", (await PageReader.GetAsync(_client, "/?name=Item_2&qs")).Status);

        var other = await PageReader.GetAsync(_client, "/?name=Item_3&qs");
        Assert.Equal(("miss", 0, 2L), (other.Status, other.Count, other.Fetches)); // its own key, filled behind
        await _app.Refreshes.WhenAsync(ItemQueries.FilterJob, 3).WaitAsync(Bound);
        Assert.Equal(["Item_3"], (await PageReader.GetAsync(_client, "/?name=Item_3&qs")).Items);
    }

    [Fact]
    public async Task QueryGet_FetchesOnMiss_TheOneItemOrNone_ServesStaleAfterTenSeconds()
    {
        var miss = await PageReader.GetAsync(_client, "/?name=Item_4&get");
        Assert.Equal(("miss", ItemQueries.GetJob, 1L), (miss.Status, miss.Job, miss.Fetches)); // fetched before answering
        Assert.Equal(["Item_4"], miss.Items);

        var hit = await PageReader.GetAsync(_client, "/?name=Item_4&get");
        Assert.Equal(("hit", 1L), (hit.Status, hit.Fetches));
        Assert.Equal(0, _app.Fetches[ItemQueries.FilterJob]); // the filter job's cache is another

        var nobody = await PageReader.GetAsync(_client, "/?name=Nobody&get");
        Assert.Equal(("miss", 0, 2L), (nobody.Status, nobody.Count, nobody.Fetches));
        var nobodyAgain = await PageReader.GetAsync(_client, "/?name=Nobody&get");
        Assert.Equal(("hit", 0, 2L), (nobodyAgain.Status, nobodyAgain.Count, nobodyAgain.Fetches)); // "none" is cached too

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // lifetime 10 s
        var stale = await PageReader.GetAsync(_client, "/?name=Item_4&get");
        Assert.Equal(("stale", 1), (stale.Status, stale.Count));
        await _app.Refreshes.WhenAsync(ItemQueries.GetJob, 1).WaitAsync(Bound); // the refresh, behind
        var fresh = await PageReader.GetAsync(_client, "/?name=Item_4&get");
        Assert.Equal(("hit", 3L), (fresh.Status, fresh.Fetches));
    }

    [Fact]
    public async Task Function_WithoutArgument_MissIsEmpty_ThenTheItemsContainingOne()
    {
        var miss = await PageReader.GetAsync(_client, "/?function");
        Assert.Equal(("miss", ItemFunctions.ContainingOneJob, 0), (miss.Status, miss.Job, miss.Count));
        await _app.Refreshes.WhenAsync(ItemFunctions.ContainingOneJob, 1).WaitAsync(Bound);

        var hit = await PageReader.GetAsync(_client, "/?function");
        Assert.Equal(("hit", 1L), (hit.Status, hit.Fetches));
        Assert.Equal(ContainingOne, hit.Items);
    }

    [Fact]
    public async Task Function_WithArgument_KeysByTheArgument()
    {
        Assert.Equal(0, (await PageReader.GetAsync(_client, "/?function&q=3")).Count);
        await _app.Refreshes.WhenAsync(ItemFunctions.ContainingJob, 1).WaitAsync(Bound);

        var hit = await PageReader.GetAsync(_client, "/?function&q=3");
        Assert.Equal(("hit", ItemFunctions.ContainingJob), (hit.Status, hit.Job));
        Assert.Equal(ContainingThree, hit.Items);
        var otherArgument = await PageReader.GetAsync(_client, "/?function&q=7");
        Assert.Equal(("miss", 0), (otherArgument.Status, otherArgument.Count));
    }

    [Fact]
    public async Task Decorator_FetchesOnMiss_ThenHitsForFiveSeconds()
    {
        var miss = await PageReader.GetAsync(_client, "/?decorator");
        Assert.Equal(("miss", DecoratedItems.JobName, 1L), (miss.Status, miss.Job, miss.Fetches));
        Assert.Equal(ContainingThree, miss.Items);

        var hit = await PageReader.GetAsync(_client, "/?decorator");
        Assert.Equal(("hit", 1L), (hit.Status, hit.Fetches));

        _app.Time.Advance(TimeSpan.FromSeconds(6));
        var stale = await PageReader.GetAsync(_client, "/?decorator");
        Assert.Equal(("stale", ContainingThree.Length), (stale.Status, stale.Count));
        await _app.Refreshes.WhenAsync(DecoratedItems.JobName, 1).WaitAsync(Bound);
        Assert.Equal(2, _app.Fetches[DecoratedItems.JobName]);
    }

    [Fact]
    public async Task Views_LinkToEachOtherAndToTheLivePage()
    {
        var page = await PageReader.GetAsync(_client, "/?decorator");

        foreach (var href in new[] { "href=\"/\"", "href=\"/?name=Item_1\"", "href=\"/?name=Item_1&amp;qs\"", "href=\"/?name=Item_1&amp;get\"", "href=\"/?function\"", "href=\"/?function&amp;q=3\"", "href=\"/?decorator\"", "href=\"/cacheback\"" })
            Assert.Contains(href, page.Html, StringComparison.Ordinal);
    }
}
