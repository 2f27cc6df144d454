namespace Cacheback.Tests.Redis.L1;

/// <summary>
/// Two nodes (two connections, two L1Stores) sharing one Redis under one prefix. The theories run on
/// one server and on a three-node cluster, over keys on every node: invalidations cross the cluster bus.
/// The facts run on one server.
/// </summary>
[Collection(RedisTopologyCollection.Name)]
public class L1StoreTests(RedisTopologyFixture topologies) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    /// <summary>The single server the facts run on.</summary>
    private IRedisTopology _redis = null!;

    private static Envelope<string> Value(long version, string value) => Envelope.Fresh(version, value, T0, T0.AddMinutes(10));

    public async Task InitializeAsync() => _redis = await topologies.GetAsync(Topology.Single);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Read_Twice_SecondIsAHitThatDoesNotTouchRedis()
    {
        var prefix = _redis.Prefix();
        using var reader = await L1Node.StartAsync(_redis, prefix);
        // Every write to Redis publishes an invalidation, this one too: let it land before reading,
        // or it may remove the entry the first read put in memory.
        var written = reader.NextInvalidation("k");
        await new RedisStore(_redis.Connection, prefix).Partition(new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { }))
            .WriteAsync("k", Value(1, "a"), Ttl);
        await written;
        var readerUsers = reader.Partition();

        Assert.Equal("a", (await readerUsers.ReadAsync("k"))?.Value);
        var hit = readerUsers.ReadAsync("k");

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Equal("a", (await hit)?.Value);
        Assert.Equal(1, reader.Counting.Reads);
    }

    [Fact]
    public async Task Read_Hit_CompletesSynchronouslyWithoutAllocating()
    {
        using var a = await L1Node.StartAsync(_redis, _redis.Prefix());
        var users = a.Partition();
        await users.WriteAsync("k", Value(1, "v"), Ttl);
        var synchronous = 0;
        for (var i = 0; i < 100; i++)
            synchronous += users.ReadAsync("k").IsCompletedSuccessfully ? 1 : 0;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            synchronous += users.ReadAsync("k").IsCompletedSuccessfully ? 1 : 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1100, synchronous);
        Assert.Equal(0, allocated);
        Assert.Equal(0, a.Counting.Reads);
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task WriteAndCompareAndSet_OnNodeA_AreSeenByNodeBOnceTheInvalidationArrives(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        var prefix = redis.Prefix();
        using var a = await L1Node.StartOnAsync(redis.Connection, prefix);
        using var b = await L1Node.StartOnAsync(redis.OtherConnection, prefix);

        foreach (var key in await KeysOnEveryNodeAsync(redis, prefix))
        {
            var readsBefore = b.Counting.Reads;
            // Wait for A's invalidation to reach B: arriving later, it would evict what B reads next.
            var created = b.NextInvalidation(key);
            await a.Partition().WriteAsync(key, Value(1, "old"), Ttl);
            await created;
            Assert.Equal("old", (await b.Partition().ReadAsync(key))?.Value);
            Assert.True(b.Partition().ReadAsync(key).IsCompletedSuccessfully, "b should now serve the key from memory");
            var written = b.NextInvalidation(key);

            await a.Partition().WriteAsync(key, Value(2, "new"), Ttl);

            var message = await written;
            Assert.Equal(("users", a.Store.Node), (message.Job, message.Node));
            Assert.Equal("new", (await b.Partition().ReadAsync(key))?.Value);
            Assert.Equal(2, b.Counting.Reads - readsBefore);
            var claimed = b.NextInvalidation(key);

            Assert.True(await a.Partition().CompareAndSetAsync(key, 2, Value(2, "new").WithLease(7, T0.AddSeconds(30)), Ttl));

            await claimed;
            Assert.Equal(7, (await b.Partition().ReadAsync(key))?.Version);
            Assert.False(await b.Partition().CompareAndSetAsync(key, 2, Value(3, "b's"), Ttl));
        }
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task Delete_OnNodeA_IsSeenByNodeBOnceTheInvalidationArrives(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        var prefix = redis.Prefix();
        using var a = await L1Node.StartOnAsync(redis.Connection, prefix);
        using var b = await L1Node.StartOnAsync(redis.OtherConnection, prefix);

        foreach (var key in await KeysOnEveryNodeAsync(redis, prefix))
        {
            var created = b.NextInvalidation(key);
            await a.Partition().WriteAsync(key, Value(1, "old"), Ttl);
            await created;
            Assert.NotNull(await b.Partition().ReadAsync(key));
            Assert.True(b.Partition().ReadAsync(key).IsCompletedSuccessfully, "b should now serve the key from memory");
            var deleted = b.NextInvalidation(key);

            Assert.True(await a.Partition().DeleteAsync(key));

            await deleted;
            Assert.Null(await b.Partition().ReadAsync(key));
            Assert.Null(await a.Partition().ReadAsync(key));
        }
    }

    [Fact]
    public async Task CompareAndSet_ClaimOrRefreshOnNodeA_IsSeenByNodeBOnceTheInvalidationArrives()
    {
        var prefix = _redis.Prefix();
        using var a = await L1Node.StartAsync(_redis, prefix);
        using var b = await L1Node.StartAsync(_redis, prefix);
        await a.Partition().WriteAsync("k", Value(1, "old"), Ttl);
        Assert.Equal(1, (await b.Partition().ReadAsync("k"))?.Version);
        var claimed = b.NextInvalidation("k");

        Assert.True(await a.Partition().CompareAndSetAsync("k", 1, Value(1, "old").WithLease(7, T0.AddSeconds(30)), Ttl));

        await claimed;
        Assert.Equal(7, (await b.Partition().ReadAsync("k"))?.Version);
        var refreshed = b.NextInvalidation("k");

        Assert.True(await a.Partition().CompareAndSetAsync("k", 7, Value(8, "new"), Ttl));

        await refreshed;
        Assert.Equal("new", (await b.Partition().ReadAsync("k"))?.Value);
    }

    [Fact]
    public async Task CompareAndSet_AlwaysAsksRedis_EvenWhenMemoryHoldsTheKey()
    {
        var prefix = _redis.Prefix();
        using var a = await L1Node.StartAsync(_redis, prefix);
        using var b = await L1Node.StartAsync(_redis, prefix);
        await a.Partition().WriteAsync("k", Value(1, "old"), Ttl);
        Assert.Equal(1, (await b.Partition().ReadAsync("k"))?.Version);
        var invalidated = b.NextInvalidation("k");
        Assert.True(await a.Partition().CompareAndSetAsync("k", 1, Value(2, "a's"), Ttl));
        await invalidated;

        Assert.False(await b.Partition().CompareAndSetAsync("k", 1, Value(3, "b's"), Ttl));

        Assert.Equal("a's", (await b.Partition().ReadAsync("k"))?.Value);
    }

    [Fact]
    public async Task Write_OwnWrite_IsVisibleAtOnceFromMemory()
    {
        using var a = await L1Node.StartAsync(_redis, _redis.Prefix());
        var users = a.Partition();
        await users.WriteAsync("k", Value(1, "old"), Ttl);
        Assert.Equal("old", (await users.ReadAsync("k"))?.Value);

        await users.WriteAsync("k", Value(2, "new"), Ttl);
        var read = users.ReadAsync("k");

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal("new", (await read)?.Value);
        Assert.Equal(0, a.Counting.Reads);
    }

    [Fact]
    public async Task Read_AnsweredByRedisBeforeAnOwnWrite_IsNotRemembered()
    {
        using var a = await L1Node.StartAsync(_redis, _redis.Prefix());
        var users = a.Partition();
        await a.Counting.Partition(new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { })).WriteAsync("k", Value(1, "old"), Ttl);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Counting.HoldNextRead = hold;
        var slowRead = users.ReadAsync("k").AsTask();
        await a.Counting.Answered.Task.WaitAsync(Queue.QueueTesting.Bound);

        await users.WriteAsync("k", Value(2, "new"), Ttl);
        hold.SetResult();

        Assert.Equal("old", (await slowRead)?.Value);
        Assert.Equal("new", (await users.ReadAsync("k"))?.Value);
    }

    [Fact]
    public async Task Read_AnsweredByRedisBeforeAnInvalidationArrived_IsNotRemembered()
    {
        var prefix = _redis.Prefix();
        using var a = await L1Node.StartAsync(_redis, prefix);
        using var b = await L1Node.StartAsync(_redis, prefix);
        await a.Partition().WriteAsync("k", Value(1, "old"), Ttl);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Counting.HoldNextRead = hold;
        var slowRead = b.Partition().ReadAsync("k").AsTask();
        await b.Counting.Answered.Task.WaitAsync(Queue.QueueTesting.Bound);
        var invalidated = b.NextInvalidation("k");

        await a.Partition().WriteAsync("k", Value(2, "new"), Ttl);
        await invalidated;
        hold.SetResult();

        Assert.Equal("old", (await slowRead)?.Value);
        Assert.Equal("new", (await b.Partition().ReadAsync("k"))?.Value);
    }

    [Fact]
    public async Task Read_MoreKeysThanTheBound_KeepsAtMostTheBound()
    {
        using var a = await L1Node.StartAsync(_redis, _redis.Prefix(), new L1Options { MaxEntriesPerJob = 2 });
        var users = a.Partition();
        for (var i = 0; i < 5; i++)
            await users.WriteAsync($"k{i}", Value(1, $"v{i}"), Ttl);

        for (var i = 0; i < 5; i++)
            Assert.Equal($"v{i}", (await users.ReadAsync($"k{i}"))?.Value);

        Assert.Equal(2, ((L1Partition<string>)users).Count);
    }

    [Fact]
    public async Task Read_PastTheL1TimeToLive_AsksRedisAgain()
    {
        var time = new FakeTimeProvider();
        using var a = await OnVirtualTime(time, TimeSpan.FromSeconds(4));
        var users = a.Partition();
        await users.WriteAsync("k", Value(1, "v"), Ttl);

        time.Advance(TimeSpan.FromSeconds(2.9)); // not even three quarters: from memory
        Assert.Equal("v", (await users.ReadAsync("k"))?.Value);
        Assert.Equal(0, a.Counting.Reads);

        time.Advance(TimeSpan.FromSeconds(1.1)); // the whole time to live: from Redis
        Assert.Equal("v", (await users.ReadAsync("k"))?.Value);
        Assert.Equal(1, a.Counting.Reads);
    }

    [Fact]
    public async Task Read_ATimeToLiveUnderFourMilliseconds_IsStillNeverExceeded()
    {
        // The counter ticks at most every millisecond: a 2 ms time to live is two ticks, not four.
        var time = new FakeTimeProvider();
        using var a = await OnVirtualTime(time, TimeSpan.FromMilliseconds(2));
        var users = a.Partition();
        await users.WriteAsync("k", Value(1, "v"), Ttl);

        time.Advance(TimeSpan.FromMilliseconds(2));
        await users.ReadAsync("k");

        Assert.Equal(1, a.Counting.Reads);
    }

    [Fact]
    public async Task Write_WithACacheTtlShorterThanTheL1TimeToLive_IsServedFromMemoryNoLongerThanThat()
    {
        var time = new FakeTimeProvider();
        using var a = await OnVirtualTime(time, TimeSpan.FromSeconds(4));
        var users = a.Partition();
        await users.WriteAsync("short", Value(1, "v"), TimeSpan.FromSeconds(2));
        await users.WriteAsync("shorter", Value(1, "v"), TimeSpan.FromMilliseconds(900));

        Assert.Equal("v", (await users.ReadAsync("short"))?.Value);
        Assert.Equal(0, a.Counting.Reads);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("v", (await users.ReadAsync("short"))?.Value);
        Assert.Equal(1, a.Counting.Reads);
        // Under one tick of the L1's counter (a quarter of its time to live): never remembered.
        await users.ReadAsync("shorter");
        Assert.Equal(2, a.Counting.Reads);
    }

    [Fact]
    public void Constructor_BadOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new L1Store(new RedisStore(_redis.Connection, "p:"), new L1Options { MaxEntriesPerJob = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new L1Store(new RedisStore(_redis.Connection, "p:"), new L1Options { TimeToLive = TimeSpan.Zero }));
        Assert.Throws<ArgumentNullException>(() => new L1Store(new RedisStore(_redis.Connection, "p:"), new L1Options { TimeProvider = null! }));
    }

    [Fact]
    public void Constructor_TimeToLiveOfSixtyDays_IsRefusedNamingTheFieldAndItsLimit()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new L1Store(new RedisStore(_redis.Connection, "p:"), new L1Options { TimeToLive = TimeSpan.FromDays(60) }));

        Assert.Equal("TimeToLive", e.ParamName);
        Assert.Contains("must be from 1 ms to 1.00:00:00", e.Message);
    }

    /// <summary>One key of the "users" partition per node: key i is stored on node i.</summary>
    private static Task<string[]> KeysOnEveryNodeAsync(IRedisTopology redis, string prefix) =>
        redis.OnEveryNodeAsync(i => $"k{i}", key => $"{prefix}users:{key}");

    /// <summary>A node whose L1 counts its time to live on <paramref name="time"/>'s timers.</summary>
    private Task<L1Node> OnVirtualTime(FakeTimeProvider time, TimeSpan timeToLive, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        L1Node.StartAsync(_redis, _redis.Prefix(test), new L1Options { TimeToLive = timeToLive, TimeProvider = time });
}
