using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Tests.CSharp.DependencyInjection;

public class CachedFetchRegistrationTests
{
    [Fact]
    public async Task AddCachedFetch_UsesTheAppsRuntime_AndWritesToItsStore()
    {
        var store = new RecordingStore(new MemoryStore());
        using var host = TestHost.Build([], s => s
            .AddCacheback(o => o.Stores[CachebackRuntimeOptions.DefaultName] = store)
            .AddCachedFetch<string, string>("greetings", (_, name, _) => Task.FromResult($"hello {name}")));
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        Assert.True(runtime.Registry.Contains("greetings")); // at start, before any call: a worker can refresh it
        var greetings = host.Services.GetRequiredKeyedService<CachedFetch<string, string>>("greetings");
        Assert.Equal("hello ada", await greetings.GetAsync("ada"));

        Assert.Single(store.Ttls);
        Assert.Equal(runtime.Options.DefaultPolicy, greetings.Policy);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCachedFetch_EachFetchRunsInAScopeOfItsOwn()
    {
        var tracker = new RepositoryTracker();
        using var host = TestHost.Build([], s => s
            .AddSingleton(tracker)
            .AddScoped<Repository>()
            .AddCachedFetch<string, string>("repository", (services, key, _) => services.GetRequiredService<Repository>().LoadAsync(key)));
        await host.StartAsync();
        var cached = host.Services.GetRequiredKeyedService<CachedFetch<string, string>>("repository");

        var a = await cached.GetAsync("a");
        var b = await cached.GetAsync("b");

        Assert.Equal(["a@1", "b@2"], [a, b]);
        Assert.Equal([1, 2], tracker.Disposed.Order());
        await host.StopAsync();
    }

    [Fact]
    public void AddCachedFetch_TheOnlyOneOfItsTypes_ResolvesWithoutItsName()
    {
        using var host = TestHost.Build([], s => s.AddCachedFetch<int, string>("numbers", (_, n, _) => Task.FromResult($"{n}")));

        Assert.Same(
            host.Services.GetRequiredKeyedService<CachedFetch<int, string>>("numbers"),
            host.Services.GetRequiredService<CachedFetch<int, string>>());
    }

    [Fact]
    public void AddCachedFetch_TwoOfTheSameTypes_WithoutAName_FailsNamingBoth()
    {
        using var host = TestHost.Build([], s => s
            .AddCachedFetch<int, string>("numbers", (_, n, _) => Task.FromResult($"{n}"))
            .AddCachedFetch<int, string>("words", (_, n, _) => Task.FromResult($"#{n}")));

        var e = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<CachedFetch<int, string>>());
        Assert.Contains("(numbers, words)", e.Message, StringComparison.Ordinal);
        Assert.Equal("words", host.Services.GetRequiredKeyedService<CachedFetch<int, string>>("words").Name);
    }

    [Fact]
    public void AddCachedFetch_ANameTakenHere_FailsAtOnce()
    {
        var services = new ServiceCollection().AddCachedFetch<int, string>("numbers", (_, n, _) => Task.FromResult($"{n}"));

        var e = Assert.Throws<ArgumentException>(() => services.AddCachedFetch<string, string>("numbers", (_, s, _) => Task.FromResult(s)));
        Assert.Contains("'numbers' is already registered", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RuntimeWrap_OnTheResolvedRuntime_WritesToTheAppsStore()
    {
        var store = new RecordingStore(new MemoryStore());
        using var host = TestHost.Build([], s => s.AddCacheback(o => o.Stores[CachebackRuntimeOptions.DefaultName] = store));
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        using var cached = runtime.Wrap(new JobDefinition<string, string>((name, _) => Task.FromResult($"hello {name}")) { Name = "wrapped-on-the-app" });

        Assert.Equal("hello ada", await cached.GetAsync("ada"));
        Assert.Single(store.Ttls);
        Assert.True(runtime.Registry.Contains("wrapped-on-the-app"));
    }
}
