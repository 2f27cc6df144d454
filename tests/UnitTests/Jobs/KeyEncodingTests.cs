namespace Cacheback.Tests.Jobs;

public class KeyEncodingTests
{
    private sealed record Query(string Country, int Page);

    [Fact]
    public void For_String_IsTheStringItself()
    {
        var key = KeyEncoding.For<string>();
        const string args = "user:42";

        Assert.Same(args, key(args));
    }

    [Fact]
    public void For_Scalars_AreTheirInvariantText()
    {
        Assert.Equal("42", KeyEncoding.For<int>()(42));
        Assert.Equal("1.5", KeyEncoding.For<double>()(1.5));
        Assert.Equal("2026-01-02T03:04:05.0000000Z", KeyEncoding.For<DateTime>()(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)));
        Assert.Equal("b7b0a0c4-6a3c-4e0e-9a53-0d8b1f3e7a11", KeyEncoding.For<Guid>()(Guid.Parse("b7b0a0c4-6a3c-4e0e-9a53-0d8b1f3e7a11")));
    }

    [Fact]
    public void For_Records_AreAStableHashOfTheirCanonicalJson()
    {
        var key = KeyEncoding.For<Query>();

        // Pinned: keys must not change across processes, machines, restarts or releases.
        // sha256('{"Country":"fr","Page":2}'), computed outside .NET.
        Assert.Equal("4953c7c0f2fa1a057a50a1850d887ff3f068753c710f324cdce68a07007c85ba", key(new Query("fr", 2)));
        Assert.Equal(key(new Query("fr", 2)), key(new Query("fr", 2)));
        Assert.NotEqual(key(new Query("fr", 2)), key(new Query("fr", 3)));
    }

    [Fact]
    public void For_Tuples_IncludeTheirFields()
    {
        var key = KeyEncoding.For<(string, int)>();

        Assert.NotEqual(key(("a", 1)), key(("a", 2)));
    }

    [Fact]
    public void For_NullArguments_AreRefused()
    {
        Assert.Throws<ArgumentNullException>(() => KeyEncoding.For<string>()(null!));
        Assert.Throws<ArgumentNullException>(() => KeyEncoding.For<int?>()(null));
    }

    [Fact]
    public void For_ArgumentsThatCannotBeEncoded_FailWhenTheJobIsDefined()
    {
        var e = Assert.Throws<ArgumentException>(() => Cache.Wrap<Func<int>, string>((_, _) => Task.FromResult("x"), runtime: new CachebackRuntime()));

        Assert.Contains("System.Func`1[System.Int32] cannot be encoded into a cache key", e.Message);
    }
}
