namespace Cacheback.Tests.Execution;

/// <summary>Newer writes win: a refresh never overwrites a set made while it fetched.</summary>
public class WriteOrderTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    // EnqueueRefresh over a newer set: Execution/ExecutorOperationsTests.Refresh_NeverOverwritesASetThatHappenedWhileItRan("enqueue refresh").

    [Fact]
    public async Task Refresh_NeverOverwritesASetMadeWhileItFetched()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "from-refresh");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "r2b");
        await cached.SetAsync("k", "old");
        var refreshing = cached.RefreshAsync("k");
        await fetch.Started.Task;

        await cached.SetAsync("k", "newer");
        fetch.Open();

        Assert.Equal("from-refresh", await refreshing); // the caller gets what it fetched...
        Assert.Equal("newer", await cached.GetAsync("k")); // ...but the newer write stays
    }
}
