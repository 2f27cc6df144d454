using System.Text;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Store;

[Collection(RedisCollection.Name)]
public class RedisStoreTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static IEnvelopeStore<T> Partition<T>(ICacheStore store, string job = "job") =>
        store.Partition(new PartitionSpec<T>(job, JsonPayloadSerializer<T>.Default, (_, _, _) => { }));

    [Fact]
    public async Task CompareAndSet_SucceedsOnlyOverTheExpectedVersion()
    {
        var store = Partition<string>(new RedisStore(redis.Connection, RedisServerFixture.Prefix()));

        Assert.False(await store.CompareAndSetAsync("k", 5, Envelope.Fresh(1, "a", T0, T0), Ttl));
        Assert.True(await store.CompareAndSetAsync("k", 0, Envelope.Fresh(1, "a", T0, T0), Ttl));
        Assert.False(await store.CompareAndSetAsync("k", 0, Envelope.Fresh(2, "b", T0, T0), Ttl));
        Assert.True(await store.CompareAndSetAsync("k", 1, Envelope.Fresh(2, "b", T0, T0), Ttl));
        Assert.Equal("b", (await store.ReadAsync("k"))?.Value);
    }

    [Fact]
    public async Task Partition_KeysAreThePrefixTheJobAndTheKey()
    {
        var prefix = RedisServerFixture.Prefix();
        var store = Partition<string>(new RedisStore(redis.Connection, prefix), "users");

        await store.WriteAsync("42", Envelope.Fresh(1, "alice", T0, T0), Ttl);

        Assert.True(await redis.Connection.GetDatabase().KeyExistsAsync(prefix + "users:42"));
    }

    [Fact]
    public async Task CompareAndSet_ManyClaimersOnTwoConnections_ExactlyOneWinsEachRound()
    {
        var prefix = RedisServerFixture.Prefix();
        using var second = await redis.Server.ConnectAsync();
        var nodes = new[] { Partition<string>(new RedisStore(redis.Connection, prefix)), Partition<string>(new RedisStore(second, prefix)) };
        const int claimers = 32;

        for (var round = 0; round < 20; round++)
        {
            var key = $"k{round}";
            await nodes[0].WriteAsync(key, Envelope.Fresh(1, "stale", T0, T0), Ttl);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var claims = Enumerable.Range(0, claimers).Select(async i =>
            {
                await start.Task;
                return await nodes[i % 2].CompareAndSetAsync(key, 1, Envelope.Fresh(1, "stale", T0, T0).WithLease(100 + i, T0.AddSeconds(30)), Ttl);
            }).ToArray();

            start.SetResult();
            var won = await Task.WhenAll(claims);

            var winner = Assert.Single(Enumerable.Range(0, claimers), i => won[i]);
            Assert.Equal(100 + winner, (await nodes[1].ReadAsync(key))?.Version);
        }
    }

    [Fact]
    public async Task Get_UnreadableBytes_AreAMissAndTheFetchReplacesThem()
    {
        var prefix = RedisServerFixture.Prefix();
        using var h = new Harness(store: new RedisStore(redis.Connection, prefix));
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("fetched"), Policy, runtime: h.Runtime, name: "users");
        await redis.Connection.GetDatabase().StringSetAsync(prefix + "users:k", Encoding.UTF8.GetBytes("{\"not\":\"an envelope\"}"), TimeSpan.FromHours(1));

        Assert.Equal("fetched", await cached.GetAsync("k"));

        var unreadable = Assert.Single(h.Events, e => e.Kind == CacheEventKind.Unreadable);
        Assert.Contains("NotAnEnvelope", unreadable.Detail);
        Assert.Equal("fetched", await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Get_ReadableHeaderWithAnUnreadablePayload_IsAMissAndTheFetchReplacesIt()
    {
        // A value type that changed between deploys: the script sees the old envelope's version,
        // EncodedStore sees an unreadable payload and replaces it over that version.
        var prefix = RedisServerFixture.Prefix();
        var store = new RedisStore(redis.Connection, prefix);
        await Partition<string>(store, "counts").WriteAsync("k", Envelope.Fresh(77, "not a number", T0, T0.AddHours(1)), TimeSpan.FromHours(1));
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(42), Policy, runtime: h.Runtime, name: "counts");

        Assert.Equal(42, await cached.GetAsync("k"));

        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.Unreadable && e.Detail!.Contains("PayloadUnreadable"));
        var stored = (byte[]?)await redis.Connection.GetDatabase().StringGetAsync(prefix + "counts:k");
        Assert.True(EnvelopeCodec.Decode(stored, MessagePackPayloadSerializer<int>.Default) is DecodeResult<int>.Decoded { Envelope.HasValue: true });
        Assert.Equal(42, await cached.GetAsync("k"));
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public void Create_EmptyPrefix_IsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisStore(redis.Connection, " "));

        Assert.Equal("keyPrefix", e.ParamName);
    }

    [Fact]
    public async Task ConnectAsync_FromAConnectionString_OwnsTheConnection()
    {
        var prefix = RedisServerFixture.Prefix();
        var store = await RedisStore.ConnectAsync(redis.Server.ConnectionString + ",defaultDatabase=3", prefix);

        await Partition<string>(store).WriteAsync("k", Envelope.Fresh(1, "a", T0, T0), Ttl);
        store.Dispose();

        Assert.False(store.Connection.IsConnected);
        Assert.True(await redis.Connection.GetDatabase(3).KeyExistsAsync(prefix + "job:k"));
    }

    [Fact]
    public async Task ConnectAsync_RedisDown_ReadsFailAtOnceRatherThanWaitingOutTheTimeout()
    {
        // Port 1 on loopback: nothing listens there. A command held in the client's backlog would
        // fail only after asyncTimeout (60 s here, past the bound); a read must fail at once.
        await using var store = await RedisStore.ConnectAsync("127.0.0.1:1,connectTimeout=200,syncTimeout=60000", "app:");
        var read = Partition<string>(store).ReadAsync("k").AsTask();

        await Assert.ThrowsAsync<RedisConnectionException>(() => read.WaitAsync(Queue.QueueTesting.Bound));
    }

    [Fact]
    public async Task DisposeAsync_OwnedConnection_IsClosed()
    {
        var store = await RedisStore.ConnectAsync(redis.Server.ConnectionString, RedisServerFixture.Prefix());

        await store.DisposeAsync();

        Assert.False(store.Connection.IsConnected);
    }

    [Fact]
    public void Connect_RedisDown_DoesNotThrowUnlessTheStringSaysAbortConnect()
    {
        // Port 1 on loopback: nothing listens there.
        using var store = RedisStore.Connect("127.0.0.1:1,connectTimeout=200", "app:");
        Assert.False(store.Connection.IsConnected);

        Assert.Throws<RedisConnectionException>(() => RedisStore.Connect("127.0.0.1:1,connectTimeout=200,abortConnect=true", "app:"));
    }
}
