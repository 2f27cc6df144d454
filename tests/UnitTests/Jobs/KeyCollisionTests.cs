namespace Cacheback.Tests.Jobs;

/// <summary>Issue 10, defect 14: keys of dictionaries depend on insertion order; job names with ':' share storage keys.</summary>
public class KeyCollisionTests
{
    private sealed record Search(string Term, Dictionary<string, int> Filters);

    [Fact]
    public void Hash_DictionaryInAnotherInsertionOrder_GivesTheSameKey()
    {
        var key = KeyEncoding.For<Dictionary<string, object>>();
        var first = new Dictionary<string, object> { ["page"] = 2, ["country"] = "fr", ["sort"] = new Dictionary<string, int> { ["b"] = 1, ["a"] = 2 } };
        var second = new Dictionary<string, object> { ["sort"] = new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }, ["country"] = "fr", ["page"] = 2 };

        Assert.Equal(key(first), key(second));
        Assert.NotEqual(key(first), key(new Dictionary<string, object> { ["page"] = 3, ["country"] = "fr" }));
    }

    [Fact]
    public void Hash_DictionaryInsideARecord_IsSortedToo_AndTheRecordKeepsItsPropertyOrder()
    {
        var key = KeyEncoding.For<Search>();

        Assert.Equal(
            key(new Search("x", new() { ["z"] = 1, ["a"] = 2 })),
            key(new Search("x", new() { ["a"] = 2, ["z"] = 1 })));
        // Pinned: sha256('{"Term":"x","Filters":{"a":2,"z":1}}'): the record's properties stay in declaration order.
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{\"Term\":\"x\",\"Filters\":{\"a\":2,\"z\":1}}"u8)),
            key(new Search("x", new() { ["z"] = 1, ["a"] = 2 })));
    }

    [Fact]
    public void Hash_DictionaryOfNonStringKeys_SortsByTheirJsonNames()
    {
        var key = KeyEncoding.For<Dictionary<int, string>>();

        Assert.Equal(key(new() { [10] = "a", [2] = "b" }), key(new() { [2] = "b", [10] = "a" }));
    }

    [Fact]
    public async Task SameNamedArguments_InAnotherOrder_HitTheCache()
    {
        using var h = new Harness();
        var fetches = 0;
        var cached = Cache.Wrap<Dictionary<string, string>, string>((_, _) => Task.FromResult($"v{++fetches}"), runtime: h.Runtime, name: "kwargs");

        await cached.GetAsync(new() { ["user"] = "ann", ["tab"] = "home" });
        await cached.GetAsync(new() { ["tab"] = "home", ["user"] = "ann" });

        Assert.Equal(1, fetches);
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData(":")]
    [InlineData("orders:by-user")]
    public void Wrap_JobNameWithAColon_IsRefusedSayingWhy(string name)
    {
        using var h = new Harness();

        var e = Assert.Throws<ArgumentException>(() =>
            Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), runtime: h.Runtime, name: name));

        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("':'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobAWithKeyBC_AndJobABWithKeyC_NeverShareAStorageKey()
    {
        // Before: both were stored under "a:b:c"; the second read served the first job's value.
        using var h = new Harness(store: new EncodedStore(new MemoryBinaryStore()));
        var a = Cache.Wrap<string, string>((_, _) => Task.FromResult("from a"), runtime: h.Runtime, name: "a");
        Func<CachedFetch<string, string>> ab = () => Cache.Wrap<string, string>((_, _) => Task.FromResult("from a:b"), runtime: h.Runtime, name: "a:b");

        Assert.Equal("from a", await a.GetAsync("b:c"));
        Assert.Throws<ArgumentException>(() => ab());
    }
}
