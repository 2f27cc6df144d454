using System.Runtime.CompilerServices;
using Cacheback.Tests.Redis.DependencyInjection;
using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.Redis.Health;

/// <summary>AddHealthChecks().AddCacheback().AddCachebackRedis() on a real redis-server: one key prefix and queue per test.</summary>
[Collection(RedisCollection.Name)]
public class RedisHealthCheckTests(RedisServerFixture redis)
{
    private const string Queues = CachebackRedisHealthChecksBuilderExtensions.QueuesCheckName;

    [Fact]
    public async Task AllChecks_NothingWrong_AreHealthy()
    {
        using var host = Host(o => { });

        var report = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, report.Entries[CachebackHealthChecksBuilderExtensions.StoreCheckName].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[Queues].Status);
        Assert.Equal(0L, report.Entries[Queues].Data["default.deadLetters"]);
    }

    [Fact]
    public async Task Queues_DeadLettersAtTheThreshold_AreDegraded()
    {
        using var host = Host(o => o.DeadLettersDegraded = 2);
        await DeadLetterAsync(host, "a");
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Entries[Queues].Status);

        await DeadLetterAsync(host, "b");

        var entry = (await CheckAsync(host)).Entries[Queues];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("'default' holds 2 dead letters", entry.Description);
    }

    [Fact]
    public async Task Queues_DeadLettersAtTheUnhealthyThreshold_AreUnhealthy()
    {
        using var host = Host(o => o.DeadLettersUnhealthy = 2);
        await DeadLetterAsync(host, "a");
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(host)).Entries[Queues].Status);

        await DeadLetterAsync(host, "b");

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(host)).Entries[Queues].Status);
    }

    [Fact]
    public async Task Queues_PendingAboveMaxPending_AreDegraded()
    {
        using var host = Host(o => o.MaxPending = 1);
        var queue = QueueOf(host);
        await queue.EnqueueAsync(QueueTesting.Request("a"));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Entries[Queues].Status);

        await queue.EnqueueAsync(QueueTesting.Request("b"));

        var entry = (await CheckAsync(host)).Entries[Queues];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(2L, entry.Data["default.pending"]);
    }

    [Fact]
    public async Task AllChecks_RedisKilled_AreUnhealthy()
    {
        using var server = await RedisServer.StartAsync(); // its own: the shared one stays up
        using var host = RedisHost.Build(RedisHost.Settings(server, "app:", "jobs"), services => services.AddHealthChecks().AddCacheback().AddCachebackRedis());
        host.Services.GetRequiredService<CachebackRuntime>();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(host)).Status);
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<CachebackRedis>().Connection.ConnectionFailed += (_, e) => failed.TrySetResult();

        server.Kill();
        await failed.Task.WaitAsync(QueueTesting.Bound);

        var report = await CheckAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries[CachebackHealthChecksBuilderExtensions.StoreCheckName].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries[Queues].Status);
        Assert.Contains("could not be counted", report.Entries[Queues].Description);
    }

    [Fact]
    public void Options_UnhealthyBelowDegraded_FailWhenAdded()
    {
        var builder = new ServiceCollection().AddHealthChecks();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => builder.AddCachebackRedis(o => (o.DeadLettersDegraded, o.DeadLettersUnhealthy) = (5, 2)));

        Assert.Equal("DeadLettersUnhealthy", e.ParamName);
    }

    private IHost Host(Action<CachebackRedisHealthCheckOptions> configure, [CallerMemberName] string test = "")
    {
        var settings = RedisHost.Settings(redis.Server, RedisServerFixture.Prefix(test), test);
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "1";
        // Not started: no worker takes from the queue, the test does.
        return RedisHost.Build(settings, services => services.AddHealthChecks().AddCacheback().AddCachebackRedis(configure));
    }

    private static RedisRefreshQueue QueueOf(IHost host) => host.Services.GetRequiredService<CachebackRedis>().Queues["default"];

    private static Task<HealthReport> CheckAsync(IHost host) => host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    private static async Task DeadLetterAsync(IHost host, string key)
    {
        var queue = QueueOf(host);
        await queue.EnqueueAsync(QueueTesting.Request(key));
        var taken = await queue.TakeNowAsync() ?? throw new InvalidOperationException($"{key} was not delivered.");
        await queue.CompleteAsync(new RefreshOutcome(taken, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException($"boom {key}")));
    }
}
