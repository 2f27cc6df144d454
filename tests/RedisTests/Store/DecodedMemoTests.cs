using System.Runtime.CompilerServices;
using System.ComponentModel;

namespace Cacheback.Tests.Redis.Store;

[Collection(RedisCollection.Name)]
public class DecodedMemoTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private IEnvelopeStore<T> Partition<T>([CallerMemberName] string test = "") =>
        new RedisStore(redis.Connection, RedisServerFixture.Prefix(test)).Partition(new PartitionSpec<T>("job", MessagePackPayloadSerializer<T>.Default, (_, _, _) => { }));

    [Fact]
    public void SharesSafely_ImmutableTypesOnly()
    {
        Assert.True(DecodedMemo<string>.SharesSafely);
        Assert.True(DecodedMemo<int>.SharesSafely);
        Assert.True(DecodedMemo<(long, double)>.SharesSafely);
        Assert.True(DecodedMemo<Frozen>.SharesSafely);
        Assert.False(DecodedMemo<List<int>>.SharesSafely);
        Assert.False(DecodedMemo<int[]>.SharesSafely);
        Assert.False(DecodedMemo<Profile>.SharesSafely);           // not marked immutable
        Assert.False(DecodedMemo<(string, List<int>)>.SharesSafely); // a struct that holds a reference
        Assert.False(DecodedMemo<NotSealed>.SharesSafely);
        Assert.Null(DecodedMemo<List<int>>.ForValueType());
    }

    [Fact]
    public void TryGet_OnlyTheSameKeyWithTheSameBytes()
    {
        var memo = new DecodedMemo<string>();
        var envelope = Envelope.Fresh(1, "a", T0, T0);
        memo.Remember("k", [1, 2, 3], envelope);

        Assert.True(memo.TryGet("k", [1, 2, 3], out var found));
        Assert.Same(envelope, found);
        Assert.False(memo.TryGet("k", [1, 2, 4], out _));
        Assert.False(memo.TryGet("other", [1, 2, 3], out _));
    }

    [Fact]
    public void Remember_LargeEnvelopes_AreNotKept()
    {
        var memo = new DecodedMemo<string>();
        var bytes = new byte[DecodedMemo<string>.MaxBytes + 1];
        memo.Remember("k", bytes, Envelope.Fresh(1, "a", T0, T0));

        Assert.False(memo.TryGet("k", bytes, out _));
    }

    [Fact]
    public async Task Read_UnchangedString_ReturnsTheValueDecodedBefore()
    {
        var store = Partition<string>();
        await store.WriteAsync("k", Envelope.Fresh(1, "alice", T0, T0), Ttl);

        var first = await store.ReadAsync("k");
        var second = await store.ReadAsync("k");

        Assert.Equal("alice", second?.Value);
        Assert.Same(first?.Value, second?.Value);
    }

    [Fact]
    public async Task Read_AfterAWrite_DecodesTheNewBytes()
    {
        var store = Partition<string>();
        await store.WriteAsync("k", Envelope.Fresh(1, "alice", T0, T0), Ttl);
        Assert.Equal("alice", (await store.ReadAsync("k"))?.Value);

        await store.WriteAsync("k", Envelope.Fresh(2, "bob", T0, T0), Ttl);

        var read = await store.ReadAsync("k");
        Assert.Equal((2L, "bob"), (read?.Version ?? 0, read?.Value));
    }

    [Fact]
    public async Task Read_MutableValue_GivesEachReadItsOwnInstance()
    {
        var store = Partition<List<int>>();
        await store.WriteAsync("k", Envelope.Fresh(1, new List<int> { 1, 2 }, T0, T0), Ttl);

        var first = await store.ReadAsync("k");
        first!.Value!.Add(3); // a caller changes what it got
        var second = await store.ReadAsync("k");

        Assert.Equal([1, 2], second?.Value);
        Assert.NotSame(first.Value, second!.Value);
    }

    [ImmutableObject(true)]
    public sealed class Frozen(int value)
    {
        public int Value { get; } = value;
    }

    public sealed record Profile(string Name);

    [ImmutableObject(true)]
    public class NotSealed;
}
