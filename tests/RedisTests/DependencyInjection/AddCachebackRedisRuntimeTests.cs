using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Cacheback.Tests.Redis.DependencyInjection.RedisHost;

namespace Cacheback.Tests.Redis.DependencyInjection;

/// <summary>Hosts built with AddCachebackRedis: jobs read, write and refresh through Redis.</summary>
[Collection(RedisCollection.Name)]
public class AddCachebackRedisRuntimeTests(RedisServerFixture redis)
{
    [Fact]
    public async Task AddCachebackJob_OnTwoHosts_ReadsAndWritesThroughRedis()
    {
        var prefix = RedisServerFixture.Prefix();
        var settings = Settings(redis.Server, prefix, nameof(AddCachebackJob_OnTwoHosts_ReadsAndWritesThroughRedis));
        using var first = Build(settings, s => s.AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        using var second = Build(settings, s => s.AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        await first.StartAsync();
        await second.StartAsync();
        var a = first.Services.GetRequiredService<ProfileJob>();
        var b = second.Services.GetRequiredService<ProfileJob>();

        Assert.Equal("k#1", await a.GetAsync("k"));

        Assert.True(await redis.Connection.GetDatabase().KeyExistsAsync($"{prefix}profiles:k"));
        Assert.Equal("k#1", await b.GetAsync("k"));
        Assert.Equal((1, 0), (a.Fetches, b.Fetches));
        await b.SetAsync("k", "set on the second");
        Assert.Equal("set on the second", await a.GetAsync("k"));
        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task Get_StaleOnAHostWithoutWorker_EnqueuesToRedisForAWorkerHost()
    {
        var time = new FakeTimeProvider();
        var queueName = nameof(Get_StaleOnAHostWithoutWorker_EnqueuesToRedisForAWorkerHost);
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), queueName);
        settings["Cacheback:Lifetime"] = "00:00:10";
        using var web = Build(new(settings) { ["Cacheback:RunRefreshWorker"] = "false" }, s => s.AddSingleton<TimeProvider>(time).AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        await web.StartAsync();
        var job = web.Services.GetRequiredService<ProfileJob>();
        var queue = web.Services.GetRequiredService<CachebackRedis>().Queues["default"];
        await job.SetAsync("k", "old");
        time.Advance(TimeSpan.FromSeconds(11));
        var enqueued = web.Services.GetRequiredService<CachebackRuntime>().Events.FirstAsync(e => e.Kind == CacheEventKind.RefreshEnqueued).ToTask();

        Assert.Equal("old", await job.GetAsync("k"));

        await enqueued.WaitAsync(QueueTesting.Bound);
        Assert.Equal(new RedisQueueCounts(1, 0, 0), await queue.CountsAsync());
        using var worker = Build(settings, s => s.AddSingleton<TimeProvider>(time).AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        var landed = worker.Services.GetRequiredService<CachebackRuntime>().Outcomes.FirstAsync().ToTask();
        await worker.StartAsync();
        var outcome = await landed.WaitAsync(QueueTesting.Bound);
        Assert.Equal((RefreshResult.Succeeded, "profiles", "k"), (outcome.Result, outcome.Request.Job, outcome.Request.Key));
        Assert.Equal("k#1", await job.GetAsync("k"));
        Assert.Equal(0, job.Fetches);
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
        await worker.StopAsync();
        await web.StopAsync();
    }

    [Fact]
    public async Task AddCachebackRedis_UseL1_PutsAnL1StoreOnTheContainersClockInFrontOfRedis()
    {
        var prefix = RedisServerFixture.Prefix();
        var time = new FakeTimeProvider();
        var settings = Settings(redis.Server, prefix, nameof(AddCachebackRedis_UseL1_PutsAnL1StoreOnTheContainersClockInFrontOfRedis));
        settings["Cacheback:Redis:UseL1"] = "true";
        settings["Cacheback:Redis:L1Options:TimeToLive"] = "00:01:00";
        using var host = Build(settings, s => s.AddSingleton<TimeProvider>(time).AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        await host.StartAsync();
        var parts = host.Services.GetRequiredService<CachebackRedis>();
        var job = host.Services.GetRequiredService<ProfileJob>();

        var l1 = Assert.IsType<L1Store>(host.Services.GetRequiredService<CachebackRuntime>().Store);

        Assert.Same(parts.L1, l1);
        Assert.Equal(TimeSpan.FromMinutes(1), l1.Options.TimeToLive);
        Assert.Same(time, l1.Options.TimeProvider);
        // The queues poll and renew on the same clock (issue 9, point 3).
        Assert.Same(time, Assert.Single(parts.Queues.Values).Options.TimeProvider);
        await l1.Ready.WaitAsync(QueueTesting.Bound);
        await job.SetAsync("k", "in memory");
        // Behind L1's back (not announced): this node still serves what it holds.
        Assert.True(await redis.Connection.GetDatabase().KeyDeleteAsync($"{prefix}profiles:k"));
        Assert.Equal("in memory", await job.GetAsync("k"));
        Assert.Equal(0, job.Fetches);
        await host.StopAsync();
    }

    [Fact]
    public async Task Get_OnAWebHostWithL1_SeesTheRefreshOfAWorkerHostWithoutL1OnceItLands()
    {
        // Issue 10, defect 15: the web node's L1 used to serve the old value until its time to live.
        var time = new FakeTimeProvider();
        var queueName = nameof(Get_OnAWebHostWithL1_SeesTheRefreshOfAWorkerHostWithoutL1OnceItLands);
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), queueName);
        settings["Cacheback:Lifetime"] = "00:00:10";
        using var web = Build(
            new(settings) { ["Cacheback:RunRefreshWorker"] = "false", ["Cacheback:Redis:UseL1"] = "true", ["Cacheback:Redis:L1Options:TimeToLive"] = "01:00:00" },
            s => s.AddSingleton<TimeProvider>(time).AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        await web.StartAsync();
        var job = web.Services.GetRequiredService<ProfileJob>();
        var l1 = web.Services.GetRequiredService<CachebackRedis>().L1!;
        await l1.Ready.WaitAsync(QueueTesting.Bound);
        await job.SetAsync("k", "old");
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal("old", await job.GetAsync("k"));
        var invalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        l1.Invalidated += m =>
        {
            if (m.Key == "k")
                invalidated.TrySetResult();
        };

        using var worker = Build(settings, s => s.AddSingleton<TimeProvider>(time).AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        var landed = worker.Services.GetRequiredService<CachebackRuntime>().Outcomes.FirstAsync().ToTask();
        await worker.StartAsync();
        Assert.Equal(RefreshResult.Succeeded, (await landed.WaitAsync(QueueTesting.Bound)).Result);
        Assert.Null(worker.Services.GetRequiredService<CachebackRedis>().L1);

        await invalidated.Task.WaitAsync(QueueTesting.Bound);
        Assert.Equal("k#1", await job.GetAsync("k"));
        Assert.Equal(0, job.Fetches);
        await worker.StopAsync();
        await web.StopAsync();
    }

    [Fact]
    public async Task Dispose_TheHost_ClosesItsOwnConnection()
    {
        var settings = Settings(redis.Server, RedisServerFixture.Prefix(), nameof(Dispose_TheHost_ClosesItsOwnConnection));
        using var other = Build(settings);
        var host = Build(settings, s => s.AddCachebackJob<ProfileJob>(ServiceLifetime.Singleton));
        await host.StartAsync();
        var connection = host.Services.GetRequiredService<CachebackRedis>().Connection;
        Assert.Equal("k#1", await host.Services.GetRequiredService<ProfileJob>().GetAsync("k"));
        Assert.NotSame(other.Services.GetRequiredService<CachebackRedis>().Connection, connection);
        await host.StopAsync();

        host.Dispose();

        Assert.False(connection.IsConnected);
        Assert.ThrowsAny<ObjectDisposedException>(() => connection.GetDatabase().Ping());
        Assert.True(other.Services.GetRequiredService<CachebackRedis>().Connection.IsConnected);
    }
}
