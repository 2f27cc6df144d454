using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Execution;

/// <summary>Each test kills a redis-server of its own (the shared fixture's server stays up).</summary>
public class RedisDownTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_RedisKilled_DegradesToFetchingWithoutThrowing()
    {
        using var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        using var queue = new RedisRefreshQueue(connection);
        using var h = new Harness(store: new RedisStore(connection, "app:"), queue: queue);
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "users");
        Assert.Equal("v1", await cached.GetAsync("k"));
        Assert.Equal("v1", await cached.GetAsync("k"));

        await KillAsync(server, connection);

        Assert.Equal("v2", await cached.GetAsync("k"));
        Assert.Equal("v3", await cached.GetAsync("k"));
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
    }

    [Fact]
    public async Task Get_StaleWhileRedisKilled_ServesAFetchAndNeverThrows()
    {
        using var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        using var queue = new RedisRefreshQueue(connection);
        using var h = new Harness(store: new RedisStore(connection, "app:"), queue: queue);
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "users");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(11));

        await KillAsync(server, connection);

        Assert.Equal("fetched", await cached.GetAsync("k"));
    }

    [Fact]
    public async Task Enqueue_RedisKilled_ThrowsRefreshQueueUnavailable()
    {
        using var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        using var queue = new RedisRefreshQueue(connection, "jobs");

        await KillAsync(server, connection);

        var e = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.EnqueueAsync(QueueTesting.Request()).AsTask());
        Assert.Contains("'jobs' cannot be reached", e.Message);
        Assert.True(e.InnerException is RedisException or TimeoutException, e.InnerException?.ToString());
    }

    [Fact]
    public async Task RequeueAndPurgeDeadLetters_RedisKilled_ThrowRefreshQueueUnavailable()
    {
        using var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        using var queue = new RedisRefreshQueue(connection, "jobs");

        await KillAsync(server, connection);

        var requeue = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.RequeueDeadLettersAsync());
        var requeueOne = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.RequeueDeadLetterAsync("some-id"));
        var purge = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.PurgeDeadLettersAsync());
        Assert.Contains("'jobs' cannot be reached", requeue.Message);
        Assert.Contains("the dead letters were not requeued", requeue.Message);
        Assert.Contains("the dead letter some-id was not requeued", requeueOne.Message);
        Assert.Contains("the dead letters were not purged", purge.Message);
        Assert.All(new[] { requeue, requeueOne, purge }, e => Assert.True(e.InnerException is RedisException or TimeoutException, e.InnerException?.ToString()));
    }

    [Fact]
    public async Task Take_ThroughAnOutage_LogsOnceKeepsWaitingAndTakesAfterRedisIsBack()
    {
        var server = await RedisServer.StartAsync();
        using var connection = await server.ConnectAsync();
        var logs = new ListLoggerFactory();
        // The queue's polls run on a clock the test moves: every look after the first is one the test asks for.
        var time = new FakeTimeProvider();
        var poll = TimeSpan.FromSeconds(1);
        using var queue = new RedisRefreshQueue(connection, "jobs", new RedisQueueOptions { PollInterval = poll, TimeProvider = time }, logs.CreateLogger("queue"));
        Assert.Null(await queue.TakeNowAsync());
        await KillAsync(server, connection);
        server.Dispose();
        using var idles = new SemaphoreSlim(0);
        queue.Idle += () => idles.Release();
        async Task LookedAsync(TimeSpan bound)
        {
            if (!await idles.WaitAsync(bound))
                throw new TimeoutException($"The take did not look (and go idle) within {bound.TotalSeconds} s. Log: {string.Join(" | ", logs.Entries.Select(e => e.Message))}");
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var take = queue.TakeAsync(stop.Token).AsTask();
        await LookedAsync(QueueTesting.Bound);
        // Another poll while Redis is down: another failed look (each waits out the client's timeout), no second warning.
        time.Advance(poll);
        await LookedAsync(QueueTesting.Bound);

        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("cannot take from Redis"));
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
                restored.TrySetResult();
        };
        using var restarted = await RedisServer.StartAsync(server.Port);
        // StackExchange.Redis reconnects on its own heartbeat (every second or so), and may say so
        // before the connection takes commands again: a poll at a time, until a look gets through.
        await restored.Task.WaitAsync(QueueTesting.ReconnectBound);
        while (!logs.Entries.Any(e => e.Message.Contains("taking from Redis again")))
        {
            time.Advance(poll);
            await LookedAsync(QueueTesting.ReconnectBound);
        }

        await queue.EnqueueAsync(QueueTesting.Request());
        // The enqueue's wake-up, or (if the subscription is not back yet) the next poll: either takes it.
        time.Advance(poll);
        Assert.Equal("k", (await take.WaitAsync(QueueTesting.Bound))?.Key);
    }

    [Fact]
    public async Task Get_RedisStopsAnswering_DegradesToFetchingAfterTheAsyncTimeout()
    {
        // A server that keeps the socket open and answers nothing, until the test says: a proxy that
        // holds its answers (CLIENT PAUSE would run out by itself after the time it is given).
        // The client's own asyncTimeout bounds the GET (checked on its heartbeat, once a second).
        using var server = await RedisServer.StartAsync();
        using var proxy = new HoldingProxy(server.Port);
        using var connection = await RedisServer.ConnectedAsync($"127.0.0.1:{proxy.Port},abortConnect=false,connectTimeout=10000,asyncTimeout=1000");
        using var h = new Harness(store: new RedisStore(connection, "app:"));
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "users");
        Assert.Equal("v1", await cached.GetAsync("k"));

        proxy.Hold();
        try
        {
            var read = cached.GetAsync("k").AsTask();

            Assert.Equal("v2", await read.WaitAsync(QueueTesting.Bound));
            var failed = Assert.Single(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
            Assert.IsType<RedisTimeoutException>(failed.Error);
            Assert.Contains("command=GET", failed.Error!.Message);
            Assert.Contains("timeout is 1000ms", failed.Error.Message);
        }
        finally
        {
            proxy.Release();
        }
    }

    [Fact]
    public async Task Get_AfterReadsTimedOut_LaterReadsEachGetTheirOwnAnswer()
    {
        // Timed-out reads are answered late, once the proxy lets the answers through; reads issued
        // since must not receive those answers.
        using var server = await RedisServer.StartAsync();
        using var proxy = new HoldingProxy(server.Port);
        using var connection = await RedisServer.ConnectedAsync($"127.0.0.1:{proxy.Port},abortConnect=false,connectTimeout=10000,asyncTimeout=1000");
        using var admin = await RedisServer.ConnectedAsync($"127.0.0.1:{server.Port},abortConnect=false,connectTimeout=10000,allowAdmin=true");
        var spec = new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { });
        var users = new RedisStore(connection, "app:").Partition(spec);
        // Seeded on the connection with the client's default timeout: a write is a script, and its
        // first run on a server just started, under the suite's start-up load, outlasted 1 s once.
        var seed = new RedisStore(admin, "app:").Partition(spec);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 64; i++)
            await seed.WriteAsync($"k{i}", Envelope.Fresh(i + 1, $"value {i}", t0, t0.AddHours(1)), TimeSpan.FromHours(1));

        proxy.Hold();
        var timedOut = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Assert.ThrowsAsync<RedisTimeoutException>(() => users.ReadAsync($"k{i}").AsTask())));
        proxy.Release();

        for (var round = 0; round < 5; round++)
        {
            var reads = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => users.ReadAsync($"k{i}").AsTask()));
            Assert.Equal(Enumerable.Range(0, 64).Select(i => $"value {i}"), reads.Select(r => r?.Value ?? "none"));
        }

        Assert.Equal(64, timedOut.Length);
    }

    /// <summary>Kills the server and waits until the client has noticed (no sleeping on a guess).</summary>
    private static async Task KillAsync(RedisServer server, ConnectionMultiplexer connection)
    {
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
                failed.TrySetResult();
        };
        server.Kill();
        await failed.Task.WaitAsync(QueueTesting.Bound);
    }
}
