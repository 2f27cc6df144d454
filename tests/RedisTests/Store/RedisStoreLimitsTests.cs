namespace Cacheback.Tests.Redis.Store;

/// <summary>Issue 10, defects 9, 10 and 13 on a real Redis: the limits hold where the bytes and the TTLs go.</summary>
[Collection(RedisCollection.Name)]
public class RedisStoreLimitsTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Get_LifetimeAndTtlAtTheLimit_RedisTakesTheTtl_AndTheItemReadsBackWithoutRefetching()
    {
        var hundredYears = PolicyLimits.MaxDuration;
        using var h = new Harness(store: new RedisStore(redis.Connection, RedisServerFixture.Prefix()));
        var fetches = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{++fetches}"),
            Policy.Create(lifetime: hundredYears, cacheTtl: hundredYears), runtime: h.Runtime, name: "century");

        Assert.Equal("v1", await cached.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromDays(3650));
        Assert.Equal("v1", await cached.GetAsync("k"));

        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task SetAsync_ValueOverMaxPayloadBytes_IsRefusedAndNothingIsWritten()
    {
        var prefix = RedisServerFixture.Prefix();
        using var h = new Harness(store: new RedisStore(redis.Connection, prefix, maxPayloadBytes: 1_000));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), runtime: h.Runtime, name: "big");

        var e = await Assert.ThrowsAsync<PayloadTooLargeException>(() => cached.SetAsync("k", new string('x', 5_000)));

        Assert.Equal(1_000, e.Limit);
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(prefix + "big:k"));
    }

    [Fact]
    public async Task SetAsync_OnRedis_IsVerifiedByDefault_AndPasses()
    {
        using var h = new Harness(store: new RedisStore(redis.Connection, RedisServerFixture.Prefix()));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), runtime: h.Runtime, name: "verified");

        await cached.SetAsync("k", "v");
        Assert.Equal("fetched", await cached.RefreshAsync("k"));

        Assert.True(h.Runtime.Options.VerifyCacheWrite);
    }
}
