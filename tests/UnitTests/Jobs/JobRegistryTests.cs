namespace Cacheback.Tests.Jobs;

/// <summary>Job names are unique in a runtime, and a disposed job leaves its registry.</summary>
public class JobRegistryTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public void ExplicitName_AlreadyTaken_IsAnError()
    {
        using var h = new Harness();
        Cache.Wrap<string, string>((_, _) => Task.FromResult("a"), Policy, runtime: h.Runtime, name: "orders");

        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap<string, string>((_, _) => Task.FromResult("b"), Policy, runtime: h.Runtime, name: "orders"));
        Assert.Contains("'orders' is already registered", e.Message);
    }

    [Fact]
    public void DisposedCachedFetch_LeavesTheRegistry()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("a"), Policy, runtime: h.Runtime, name: "short-lived");

        cached.Dispose();

        Assert.False(h.Runtime.Registry.Contains("short-lived"));
    }
}
