using System.Diagnostics;
using System.Reflection;
using Cacheback;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ConsumerApp;

/// <summary>What the app checks; each throws when something does not hold.</summary>
internal static class Scenarios
{
    private static readonly TimeSpan RefreshDeadline = TimeSpan.FromSeconds(30);

    public static string LoadedRedisClientVersion() =>
        typeof(ConnectionMultiplexer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ConnectionMultiplexer).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static Task CachedFunctionAsync(AppHost app) =>
        MissHitStaleAsync(app, "function:ada", ct => app.Greeting.GetAsync("ada", ct));

    public static Task JobAsync(AppHost app)
    {
        var job = app.Services.GetRequiredService<GreetingJob>();
        return MissHitStaleAsync(app, "job:ada", ct => job.GetAsync("ada", ct));
    }

    /// <summary>HybridCache (Cacheback.Hybrid on the host's runtime): miss, hit, stale then refreshed; then a tag removes it.</summary>
    public static async Task HybridCacheAsync(AppHost app)
    {
        var cache = app.Services.GetRequiredService<HybridCache>();
        var options = new HybridCacheEntryOptions { Expiration = AppHost.Lifetime };
        ValueTask<string> Get(string key, CancellationToken ct) =>
            cache.GetOrCreateAsync(key, (app.Source, key), static async (s, ct) => await s.Source.FetchAsync(s.key, ct), options, ["greetings"], ct);

        await MissHitStaleAsync(app, "hybrid:ada", ct => Get("hybrid:ada", ct));
        await cache.RemoveByTagAsync("greetings");
        var removed = await Get("hybrid:ada", CancellationToken.None);
        Checks.Expect(removed == "hybrid:ada#3", $"after RemoveByTagAsync: expected hybrid:ada#3 fetched, got {removed}");
    }

    public static async Task DistributedCacheAsync(AppHost app)
    {
        var cache = app.Services.GetRequiredService<IDistributedCache>();
        var value = Guid.NewGuid().ToString("N");
        await cache.SetStringAsync("hello", value);
        var read = await cache.GetStringAsync("hello");
        Checks.Expect(read == value, $"IDistributedCache returned '{read}' for what was set to '{value}'");
    }

    private static async Task MissHitStaleAsync(AppHost app, string key, Func<CancellationToken, ValueTask<string>> get)
    {
        var first = await get(CancellationToken.None);
        Checks.Expect(first == $"{key}#1", $"miss: expected {key}#1, got {first}");

        var hit = await get(CancellationToken.None);
        Checks.Expect(hit == first && app.Source.Fetches(key) == 1, $"hit: expected {first} and 1 fetch, got {hit} and {app.Source.Fetches(key)}");

        app.Clock.Advance(AppHost.Lifetime + TimeSpan.FromSeconds(1));
        var stale = await get(CancellationToken.None);
        Checks.Expect(stale == first, $"stale: expected {first} served at once, got {stale}");

        // The one refresh runs behind the stale read (through the queue, on the host's worker):
        // read until its value shows, within a deadline.
        var refreshed = $"{key}#2";
        var deadline = Stopwatch.StartNew();
        var read = stale;
        while (read != refreshed && deadline.Elapsed < RefreshDeadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
            read = await get(CancellationToken.None);
        }

        Checks.Expect(read == refreshed, $"refresh: expected {refreshed} within {RefreshDeadline.TotalSeconds} s, still {read}");
        Checks.Expect(app.Source.Fetches(key) == 2, $"refresh: expected 2 fetches in all, got {app.Source.Fetches(key)}");
    }
}
