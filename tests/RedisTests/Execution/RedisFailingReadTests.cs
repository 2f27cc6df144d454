using Cacheback.Tests.Redis.Queue;

namespace Cacheback.Tests.Redis.Execution;

/// <summary>
/// Issue 10, defect 12: a read that found Redis failing returns what it fetched without waiting on
/// the write-back, which against a Redis that stopped answering costs a second timeout. Each test
/// pauses a redis-server of its own.
/// </summary>
public class RedisFailingReadTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_ReadFailsWhileRedisHoldsWrites_ReturnsWithoutWaitingForTheWriteBack()
    {
        // Deterministic: the GET fails at once (the key is a list: WRONGTYPE) while CLIENT PAUSE WRITE
        // holds every write (the compare-and-set script included) far longer than the test's bound,
        // with a client timeout longer still. A read that waited on its write-back could not return in time.
        using var server = await RedisServer.StartAsync();
        using var connection = await RedisServer.ConnectedAsync($"127.0.0.1:{server.Port},abortConnect=false,connectTimeout=10000,asyncTimeout=120000,syncTimeout=120000");
        using var admin = await RedisServer.ConnectedAsync($"127.0.0.1:{server.Port},abortConnect=false,connectTimeout=10000,allowAdmin=true");
        using var h = new Harness(store: new RedisStore(connection, "app:"));
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref calls)}"), Policy, runtime: h.Runtime, name: "users");
        await admin.GetDatabase().ListRightPushAsync("app:users:k", "not an envelope");

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");
        try
        {
            Assert.Equal("v1", await cached.GetAsync("k").AsTask().WaitAsync(QueueTesting.Bound));
            Assert.Equal("v2", await cached.GetAsync("k").AsTask().WaitAsync(QueueTesting.Bound));

            Assert.All(h.Events.Where(e => e.Kind == CacheEventKind.StoreFailed), e => Assert.Equal("read", e.Detail));
            Assert.Equal(2, h.Events.Count(e => e.Kind == CacheEventKind.StoreFailed));
        }
        finally
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");
        }
    }
}
