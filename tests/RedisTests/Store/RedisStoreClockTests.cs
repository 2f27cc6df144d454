using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Cacheback.Tests.Redis.DependencyInjection.RedisHost;

namespace Cacheback.Tests.Redis.Store;

/// <summary>Redis's clock (<c>TIME</c>) as the store clock every runtime over it judges freshness on (issue 10, defect 7).</summary>
[Collection(RedisCollection.Name)]
public class RedisStoreClockTests(RedisServerFixture redis)
{
    [Fact]
    public async Task GetTimeAsync_IsTheServersTime()
    {
        using var store = new RedisStore(redis.Connection, RedisServerFixture.Prefix());
        var bytes = new RedisBinaryStore(redis.Connection);
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);

        var before = new DateTimeOffset(await server.TimeAsync(), TimeSpan.Zero);
        var fromStore = await store.GetTimeAsync();
        var fromBytes = await bytes.GetTimeAsync();
        var after = new DateTimeOffset(await server.TimeAsync(), TimeSpan.Zero);

        // The server's TIME, truncated to the millisecond, in order.
        Assert.InRange(fromStore, before.AddMilliseconds(-1), after);
        Assert.InRange(fromBytes, fromStore, after);
    }

    [Fact]
    public async Task GetTimeAsync_Cancelled_ThrowsBeforeSending()
    {
        using var store = new RedisStore(redis.Connection, RedisServerFixture.Prefix());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetTimeAsync(new CancellationToken(canceled: true)).AsTask());
    }

    [Theory]
    [InlineData(999)]
    [InlineData(3_600_001)]
    public void ClockSyncInterval_OutOfBounds_IsRefusedNamingItAndTheBounds(long intervalMs)
    {
        using var store = new RedisStore(redis.Connection, RedisServerFixture.Prefix());
        var bytes = new RedisBinaryStore(redis.Connection);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => store.ClockSyncInterval = TimeSpan.FromMilliseconds(intervalMs));
        Assert.Throws<ArgumentOutOfRangeException>(() => bytes.ClockSyncInterval = TimeSpan.FromMilliseconds(intervalMs));

        Assert.Equal(nameof(RedisStore.ClockSyncInterval), e.ParamName);
        Assert.Contains("ClockSyncInterval must be between 00:00:01 and 01:00:00", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), store.ClockSyncInterval);
    }

    [Fact]
    public void Runtime_OverAnL1Store_FollowsRedissClock()
    {
        using var store = new RedisStore(redis.Connection, RedisServerFixture.Prefix());
        using var l1 = new L1Store(store);
        using var h = new Harness(store: l1, runRefreshes: false);

        Assert.Same(store, h.Runtime.StoreClock?.Store);
        // The harness's clock says 2026-01-01; the runtime's says Redis's.
        Assert.NotEqual(0, h.Runtime.Clock.OffsetMs);
    }

    [Fact]
    public async Task Reconnected_AfterRedisComesBack_IsRaised_AndTheRuntimeMeasuresAgain()
    {
        var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        using var store = new RedisStore(connection, RedisServerFixture.Prefix());
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Reconnected += (sender, _) =>
        {
            Assert.Same(store, sender);
            reconnected.TrySetResult();
        };
        using var h = new Harness(store: store, runRefreshes: false);
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
                failed.TrySetResult();
        };
        server.Kill();
        await failed.Task.WaitAsync(QueueTesting.Bound);
        server.Dispose();
        // Measured while Redis was down: fails, and the runtime keeps its last offset.
        h.Runtime.Clock.SetOffsetMs(0);
        await h.Runtime.StoreClock!.MeasureAsync();
        Assert.Equal(0, h.Runtime.Clock.OffsetMs);

        using var restarted = await RedisServer.StartAsync(server.Port);
        await reconnected.Task.WaitAsync(QueueTesting.ReconnectBound);
        await h.Runtime.StoreClock.MeasureAsync();

        Assert.NotEqual(0, h.Runtime.Clock.OffsetMs);
    }

    [Fact]
    public void AddCachebackRedis_ClockSyncInterval_ReachesTheStore()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "clock");
        settings["Cacheback:Redis:ClockSyncInterval"] = "00:02:00";
        using var host = Build(settings);

        Assert.Equal(TimeSpan.FromMinutes(2), host.Services.GetRequiredService<RedisStore>().ClockSyncInterval);
    }

    [Fact]
    public void AddCachebackRedis_ClockSyncIntervalOutOfBounds_FailsNamingTheKeyAndTheBounds()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), "clock");
        settings["Cacheback:Redis:ClockSyncInterval"] = "00:00:00.500";
        using var host = Build(settings);

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());

        Assert.Contains("Cacheback:Redis:ClockSyncInterval must be between 00:00:01 and 01:00:00 (was 00:00:00.5000000).", e.Failures);
    }
}
