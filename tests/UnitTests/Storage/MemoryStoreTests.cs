namespace Cacheback.Tests.Storage;

public class MemoryStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IEnvelopeStore<string> Partition(ICacheStore store, string job = "job") =>
        store.Partition(new PartitionSpec<string>(job, JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

    public static TheoryData<string> Stores => new() { "memory", "encoded" };

    private static ICacheStore Create(string kind) => kind == "memory" ? new MemoryStore() : new EncodedStore(new MemoryBinaryStore());

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task CompareAndSet_SucceedsOnlyOverTheExpectedVersion(string kind)
    {
        var store = Partition(Create(kind));
        var ttl = TimeSpan.FromMinutes(1);

        Assert.False(await store.CompareAndSetAsync("k", 5, Envelope.Fresh(1, "a", T0, T0), ttl));
        Assert.True(await store.CompareAndSetAsync("k", 0, Envelope.Fresh(1, "a", T0, T0), ttl));
        Assert.False(await store.CompareAndSetAsync("k", 0, Envelope.Fresh(2, "b", T0, T0), ttl));
        Assert.True(await store.CompareAndSetAsync("k", 1, Envelope.Fresh(2, "b", T0, T0), ttl));
        Assert.Equal("b", (await store.ReadAsync("k"))?.Value);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Partitions_OfDifferentJobs_DoNotShareKeys(string kind)
    {
        var shared = Create(kind);
        var users = Partition(shared, "users");
        var orders = Partition(shared, "orders");

        await users.WriteAsync("1", Envelope.Fresh(1, "alice", T0, T0), TimeSpan.FromMinutes(1));

        Assert.Null(await orders.ReadAsync("1"));
        Assert.NotNull(await users.ReadAsync("1"));
    }

    [Fact]
    public void Partition_SameJobWithAnotherValueType_IsAClearError()
    {
        var store = new MemoryStore();
        Partition(store, "users");

        var e = Assert.Throws<InvalidOperationException>(() =>
            store.Partition(new PartitionSpec<int>("users", JsonPayloadSerializer<int>.Default, (_, _, _) => { })));
        Assert.Contains("'users'", e.Message);
    }

    [Fact]
    public async Task MemoryBinaryStore_ExpiresEntriesAfterTheirTtl()
    {
        var time = new FakeTimeProvider();
        var bytes = new MemoryBinaryStore(time);

        await bytes.SetAsync("k", [1, 2, 3], TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(await bytes.GetAsync("k"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await bytes.GetAsync("k"));
    }
}
