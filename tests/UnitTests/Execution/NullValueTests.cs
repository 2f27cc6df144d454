namespace Cacheback.Tests.Execution;

/// <summary>A fetched null is a value, not a miss.</summary>
public class NullValueTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task NullValue_IsServedAlikeFresh_AndStale()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string?>((_, _) => Task.FromResult<string?>(null), Policy, runtime: h.Runtime, name: "r6", empty: "EMPTY");

        Assert.Null(await cached.GetAsync("k"));
        Assert.Null(await cached.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var refreshed = h.NextOutcome();
        Assert.Null(await cached.GetAsync("k"));
        await refreshed;
    }
}
