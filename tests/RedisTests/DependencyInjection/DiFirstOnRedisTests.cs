using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static Cacheback.Tests.Redis.DependencyInjection.RedisHost;

namespace Cacheback.Tests.Redis.DependencyInjection;

/// <summary>Cached functions registered with the services, on a Redis host: the web node and a worker process share them by name.</summary>
[Collection(RedisCollection.Name)]
public class DiFirstOnRedisTests(RedisServerFixture redis)
{
    /// <summary>The app's registrations, as a web node and a worker both make them.</summary>
    private static IServiceCollection AddAppCaching(IServiceCollection services, Func<int> fetched) =>
        services.AddCachedFetch<string, string>("greetings", (_, name, _) => Task.FromResult($"hello {name} #{fetched()}"));

    [Fact]
    public async Task AddCachedFetch_WritesToRedis_AndAnAddCachebackWorkerHostRefreshesIt()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, prefix, nameof(AddCachedFetch_WritesToRedis_AndAnAddCachebackWorkerHostRefreshesIt));
        var fetches = 0;
        using var web = Build(new(settings) { ["Cacheback:RunRefreshWorker"] = "false" }, s => AddAppCaching(s, () => Interlocked.Increment(ref fetches)));
        await web.StartAsync();
        var greetings = web.Services.GetRequiredKeyedService<CachedFetch<string, string>>("greetings");

        Assert.Equal("hello ada #1", await greetings.GetAsync("ada"));
        Assert.True(await redis.Connection.GetDatabase().KeyExistsAsync($"{prefix}greetings:ada"));
        Assert.True(await greetings.InvalidateAsync("ada")); // the web node does not refresh: the request waits in Redis
        var queue = web.Services.GetRequiredService<CachebackRedis>().Queues["default"];
        Assert.Equal(new RedisQueueCounts(1, 0, 0), await queue.CountsAsync());

        // The worker process: the same registrations, and one call.
        using var worker = Build(settings, s => AddAppCaching(s, () => Interlocked.Increment(ref fetches)).AddCachebackWorker());
        var landed = worker.Services.GetRequiredService<CachebackRuntime>().Outcomes.FirstAsync().ToTask();
        await worker.StartAsync();

        var outcome = await landed.WaitAsync(QueueTesting.Bound);
        Assert.Equal((RefreshResult.Succeeded, "greetings", "ada"), (outcome.Result, outcome.Request.Job, outcome.Request.Key));
        Assert.Equal("hello ada #2", await greetings.GetAsync("ada"));
        await worker.StopAsync();
        await web.StopAsync();
    }

    [Fact]
    public async Task Start_UnknownKeysOfTheRedisSection_FailNamingEach()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "unknown-keys");
        settings["Cacheback:Redis:KeyPrefx"] = "typo:";
        settings["Cacheback:Redis:QueueOptions:Visibility"] = "00:01:00";
        using var host = Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(typeof(CachebackRedisOptions), e.OptionsType);
        Assert.Collection(
            e.Failures,
            f => Assert.StartsWith("Cacheback:Redis:KeyPrefx is not a setting (misspelt?); the settings of Cacheback:Redis are: ClockSyncInterval, Configuration, KeyPrefix, L1Options, QueueOptions, Queues, StoreName, UseL1.", f),
            f => Assert.StartsWith("Cacheback:Redis:QueueOptions:Visibility is not a setting", f));
    }

    [Fact]
    public async Task Start_ValueOfTheWrongType_FailsNamingTheKey()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "wrong-type");
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "three";
        using var host = Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal("Cacheback:Redis:QueueOptions:MaxAttempts is 'three', which is not a whole number.", Assert.Single(e.Failures));
    }

    [Fact]
    public async Task Start_TheRedisSectionBesideTheCachebackSettings_IsNotAnUnknownKey()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "known");
        settings["Cacheback:Lifetime"] = "00:01:00";
        using var host = Build(settings);

        await host.StartAsync();

        Assert.Equal(TimeSpan.FromMinutes(1), host.Services.GetRequiredService<CachebackRuntime>().Options.DefaultPolicy.Lifetime);
        await host.StopAsync();
    }
}
