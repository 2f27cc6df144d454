using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Cacheback.Tests.Redis.DependencyInjection.RedisHost;

namespace Cacheback.Tests.Redis.DependencyInjection;

/// <summary>AddCachebackRedis: what it reads from the "Cacheback:Redis" section and code, and what it refuses.</summary>
[Collection(RedisCollection.Name)]
public class AddCachebackRedisOptionsTests(RedisServerFixture redis)
{
    [Fact]
    public void AddCachebackRedis_FromTheSection_BuildsTheRuntimesStoreAndQueues()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, prefix, nameof(AddCachebackRedis_FromTheSection_BuildsTheRuntimesStoreAndQueues));
        settings["Cacheback:Redis:Queues:reports"] = "reports-queue";
        settings["Cacheback:Redis:QueueOptions:VisibilityTimeout"] = "00:05:00";
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "7";
        settings["Cacheback:Redis:QueueOptions:KeyPrefix"] = "test:queues:";
        using var host = Build(settings);

        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        var parts = host.Services.GetRequiredService<CachebackRedis>();
        Assert.Same(parts.Store, runtime.Store);
        Assert.Same(parts.Store, host.Services.GetRequiredService<RedisStore>());
        Assert.Equal(prefix, parts.Store.KeyPrefix);
        Assert.Null(parts.L1);
        Assert.True(parts.Connection.IsConnected);
        Assert.Equal(["default", "reports"], parts.Queues.Keys.Order(StringComparer.Ordinal));
        Assert.Same(parts.Queues["default"], runtime.Queue);
        Assert.Same(parts.Queues["reports"], runtime.QueueNamed("reports"));
        Assert.Equal(nameof(AddCachebackRedis_FromTheSection_BuildsTheRuntimesStoreAndQueues), parts.Queues["default"].Name);
        Assert.Equal("reports-queue", parts.Queues["reports"].Name);
        var expected = new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromMinutes(5), MaxAttempts = 7, KeyPrefix = "test:queues:", PollInterval = TimeSpan.FromMilliseconds(100) };
        Assert.All(parts.Queues.Values, queue => Assert.Equal(expected, queue.Options));
        // An application's own IConnectionMultiplexer stays its own.
        Assert.Null(host.Services.GetService<IConnectionMultiplexer>());
    }

    [Fact]
    public void AddCachebackRedis_ConnectionStringAsTheSectionsValue_IsTheConfiguration()
    {
        // What --Cacheback:Redis=host:port on a command line gives.
        using var host = Build(new()
        {
            ["Cacheback:Redis"] = redis.Server.ConnectionString,
            ["Cacheback:Redis:KeyPrefix"] = RedisServerFixture.Prefix(),
        });

        var parts = host.Services.GetRequiredService<CachebackRedis>();

        Assert.Equal(redis.Server.ConnectionString, host.Services.GetRequiredService<IOptions<CachebackRedisOptions>>().Value.Configuration);
        Assert.True(parts.Connection.IsConnected);
    }

    [Fact]
    public void AddCachebackRedis_CodeAfterTheSection_OverridesItOptionByOption()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, "from-config:", nameof(AddCachebackRedis_CodeAfterTheSection_OverridesItOptionByOption));
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "5";
        using var host = Build(settings, services => services
            .AddCachebackRedis(o => o.KeyPrefix = prefix)
            .AddCachebackRedis(o =>
            {
                o.StoreName = "shared";
                o.QueueOptions = o.QueueOptions with { PollInterval = TimeSpan.FromMilliseconds(250) };
            }));

        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        var parts = host.Services.GetRequiredService<CachebackRedis>();
        Assert.Single(host.Services.GetServices<CachebackRedis>());
        Assert.Equal(prefix, parts.Store.KeyPrefix);
        Assert.Same(parts.Store, runtime.StoreNamed("shared"));
        Assert.IsType<MemoryStore>(runtime.Store);
        Assert.Equal((5, TimeSpan.FromMilliseconds(250)), (parts.Queues["default"].Options.MaxAttempts, parts.Queues["default"].Options.PollInterval));
    }

    [Theory]
    [InlineData("Cacheback:Redis:Configuration", null, "Cacheback:Redis:Configuration, the StackExchange.Redis connection string (e.g. \"redis:6379,password=...\"), is required (was missing)")]
    [InlineData("Cacheback:Redis:Configuration", "", "Cacheback:Redis:Configuration, the StackExchange.Redis connection string (e.g. \"redis:6379,password=...\"), is required (was '')")]
    [InlineData("Cacheback:Redis", " ", "Cacheback:Redis:Configuration, the StackExchange.Redis connection string (e.g. \"redis:6379,password=...\"), is required (was ' ')")]
    [InlineData("Cacheback:Redis:KeyPrefix", null, "Cacheback:Redis:KeyPrefix, the application's namespace in Redis (e.g. \"cacheback:shop:\"), is required (was missing)")]
    [InlineData("Cacheback:Redis:KeyPrefix", "  ", "Cacheback:Redis:KeyPrefix, the application's namespace in Redis (e.g. \"cacheback:shop:\"), is required (was '  ')")]
    public void AddCachebackRedis_RequiredOptionMissingOrBlank_FailsWhenTheRuntimeIsBuiltNamingIt(string key, string? value, string failure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cacheback:Redis:Configuration"] = redis.Server.ConnectionString,
            ["Cacheback:Redis:KeyPrefix"] = "test:blank:",
        };
        settings.Remove(key == "Cacheback:Redis" ? "Cacheback:Redis:Configuration" : key);
        if (value is not null)
            settings[key] = value;
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        Assert.StartsWith(failure, Assert.Single(e.Failures));
    }

    [Fact]
    public void AddCachebackRedis_SectionValueAndConfigurationBoth_FailNamingBoth()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "both");
        settings["Cacheback:Redis"] = redis.Server.ConnectionString;
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        Assert.StartsWith("Cacheback:Redis and Cacheback:Redis:Configuration are both set", Assert.Single(e.Failures));
    }

    [Fact]
    public void AddCachebackRedis_UnparseableConnectionString_FailsNamingTheOptionButNotItsValue()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "unparseable");
        settings["Cacheback:Redis:Configuration"] = "127.0.0.1:6379,password=hunter2,notAnOption=1";
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("Cacheback:Redis:Configuration is not a StackExchange.Redis connection string: ", failure);
        Assert.Contains("notAnOption", failure);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void AddCachebackRedis_SeveralBadOptions_FailsOnceNamingEachOne()
    {
        var settings = Settings(redis.Server, " ", "several");
        settings["Cacheback:Redis:Queues:reports"] = "";
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "0";
        settings["Cacheback:Redis:UseL1"] = "true";
        settings["Cacheback:Redis:L1Options:TimeToLive"] = "00:00:00";
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        Assert.Collection(
            e.Failures,
            f => Assert.StartsWith("Cacheback:Redis:KeyPrefix, the application's namespace in Redis", f),
            f => Assert.Equal("Cacheback:Redis:Queues:reports must name a queue in Redis (was '').", f),
            f => Assert.StartsWith("Cacheback:Redis:QueueOptions: Invalid RedisQueueOptions: MaxAttempts must be at least 1 (was 0).", f),
            f => Assert.StartsWith("Cacheback:Redis:L1Options: The L1 time to live (L1Options.TimeToLive) must be from 1 ms to 1.00:00:00.", f));
    }

    [Fact]
    public void AddCachebackRedis_QueueNameRedisCannotTake_FailsNamingTheOption()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "has space");
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("Cacheback:Redis:Queues:default: The queue name 'has space' may hold only", failure);
    }
}
