using Cacheback.Sandbox.Jobs;
using Cacheback.Tests.MultiProcess;
using System.Threading.Channels;
using Cacheback.Tests.Redis;
using StackExchange.Redis;

namespace Cacheback.Web.Tests;

/// <summary>
/// The sandbox as the seed's Procfile.rq runs it: a web node on Redis (<c>--redis</c>) that leaves
/// every refresh to a Cacheback.Worker process, which knows the sandbox's jobs by the same names.
/// </summary>
public sealed class RedisSandboxTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WebNodeOnRedis_LeavesTheFetchesToTheWorker()
    {
        using var redis = await RedisServer.StartAsync();
        await using var app = SandboxFactory.OnRedis(redis.ConnectionString);
        using var client = app.CreateClient(); // starts the web node: the database is created and seeded
        using var worker = ChildProcess.Start("worker", [$"--Cacheback:Redis={redis.ConnectionString}", $"--Sandbox:Database={app.Database}", "--Sandbox:SlowFetch=00:00:00.200"]);
        await worker.ExpectAsync("ready");
        using var connection = await redis.ConnectAsync();
        var writes = await KeyspaceWritesAsync(connection);

        foreach (var (url, job, count) in new[] { ("/", VanillaJob.JobName, 100), ("/?function", ItemFunctions.ContainingOneJob, 19), ("/?name=Item_5&qs", ItemQueries.FilterJob, 1) })
        {
            var miss = await PageReader.GetAsync(client, url);
            Assert.Equal(("miss", 0), (miss.Status, miss.Count));

            var filled = await UntilAsync(client, url, writes, page => page.Status == "hit");
            Assert.Equal(count, filled.Count);
            Assert.Equal(0, app.Fetches[job]); // fetched by the worker, not by the web node
        }

        using var stream = await SseReader.OpenAsync(client, "/cacheback/stream");
        var hello = await stream.NextAsync().WaitAsync(Bound);
        Assert.True(hello.Data.GetProperty("onRedis").GetBoolean());
        // A Redis queue keeps dead letters: shown, none here. Its gauges answer with the counts of the
        // sample before (a gauge never waits for Redis), so the first tick may have none yet.
        var tick = await stream.NextAsync().WaitAsync(Bound);
        for (var ticks = 1; ticks < 10 && tick.Data.GetProperty("deadLetters").ValueKind == System.Text.Json.JsonValueKind.Null; ticks++)
            tick = await stream.NextAsync().WaitAsync(Bound);
        Assert.Equal(0, tick.Data.GetProperty("deadLetters").GetInt64());
    }

    /// <summary>
    /// Reads the page until it says what the test waits for, reading it again after each write to the
    /// sandbox's keys in Redis (the worker's refresh lands there, where the web node sees it only by
    /// reading). Bounded; no sleeps.
    /// </summary>
    private static async Task<PageReader> UntilAsync(HttpClient client, string url, ChannelReader<string> writes, Func<PageReader, bool> done)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (true)
        {
            var page = await PageReader.GetAsync(client, url);
            if (done(page))
                return page;
            try
            {
                await writes.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{url} still said {page.Status} with {page.Count} items {Bound.TotalSeconds} s on.");
            }
        }
    }

    /// <summary>Every write to the sandbox's keys (keyspace notifications, which the test's own server may turn on).</summary>
    private static async Task<ChannelReader<string>> KeyspaceWritesAsync(ConnectionMultiplexer connection)
    {
        await connection.GetDatabase().ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "KA");
        var writes = Channel.CreateUnbounded<string>();
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.Pattern("__keyspace@0__:cacheback:demo:*"), (channel, _) => writes.Writer.TryWrite(channel.ToString()));
        return writes.Reader;
    }
}
