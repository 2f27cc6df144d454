namespace Cacheback.Tests.CSharp;

public class DelegateExtensionsTests
{
    [Fact]
    public async Task Cached_WrapsTheDelegate()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = new FakeTimeProvider() });
        var calls = 0;
        Func<int, Task<string>> load = id => Task.FromResult($"item {id} #{++calls}");

        var cached = load.Cached(Policy.Default, runtime);

        Assert.Equal("item 1 #1", await cached.GetAsync(1));
        Assert.Equal("item 1 #1", await cached.GetAsync(1));
    }

    [Fact]
    public async Task Wrap_OfADefinition_TakesItsName()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = new FakeTimeProvider() });
        var calls = 0;
        Func<int, Task<string>> load = id => Task.FromResult($"item {id} #{++calls}");

        var cached = Cache.Wrap(new JobDefinition<int, string>(load) { Policy = Policy.Default, Name = "items" }, runtime);

        Assert.Equal("item 1 #1", await cached.GetAsync(1));
        Assert.Equal("item 1 #1", await cached.GetAsync(1));
        Assert.Equal("items", cached.Name);
    }
}
