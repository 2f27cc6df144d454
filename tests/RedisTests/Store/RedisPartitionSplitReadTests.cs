using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Store;

/// <summary>
/// The executor reads a Redis partition through <see cref="ISplitRead{T}"/> (it awaits the GET
/// itself): that read must give what <see cref="IEnvelopeStore{T}.ReadAsync"/> gives.
/// </summary>
[Collection(RedisCollection.Name)]
public class RedisPartitionSplitReadTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private (IEnvelopeStore<T> Store, ISplitRead<T> Split, string Prefix) Partition<T>(List<string>? unreadable = null, [CallerMemberName] string test = "")
    {
        var prefix = RedisServerFixture.Prefix(test);
        var store = new RedisStore(redis.Connection, prefix).Partition(new PartitionSpec<T>("job", MessagePackPayloadSerializer<T>.Default, (key, _, _) => unreadable?.Add(key)));
        return (store, Assert.IsAssignableFrom<ISplitRead<T>>(store), prefix);
    }

    private static async Task<Envelope<T>?> SplitReadAsync<T>(ISplitRead<T> split, string key, CancellationToken cancellationToken = default)
    {
        var started = split.StartRead(key, cancellationToken);
        await started.ConfigureAwait(false);
        return split.OpenRead(started, key);
    }

    [Fact]
    public async Task SplitRead_StoredEnvelope_SameAsReadAsync()
    {
        var (store, split, _) = Partition<List<int>>();
        var written = Envelope.Fresh(7, new List<int> { 1, 2, 3 }, T0, T0.AddMinutes(5));
        await store.WriteAsync("k", written, Ttl);

        var viaSplit = await SplitReadAsync(split, "k");
        var viaRead = await store.ReadAsync("k");

        Assert.NotNull(viaSplit);
        Assert.Equal((written.Version, written.FreshUntil, written.FetchedAt), (viaSplit.Version, viaSplit.FreshUntil, viaSplit.FetchedAt));
        Assert.Equal(viaRead!.RawValue, viaSplit.RawValue);
        Assert.Equal([1, 2, 3], viaSplit.RawValue);
    }

    [Fact]
    public async Task SplitRead_MissingKey_Null()
    {
        var (_, split, _) = Partition<string>();

        Assert.Null(await SplitReadAsync(split, "absent"));
    }

    [Fact]
    public async Task SplitRead_BytesThatAreNotAnEnvelope_NullAndReported()
    {
        var unreadable = new List<string>();
        var (_, split, prefix) = Partition<string>(unreadable);
        await redis.Connection.GetDatabase().StringSetAsync($"{prefix}job:k", "not an envelope");

        Assert.Null(await SplitReadAsync(split, "k"));
        Assert.Equal(["k"], unreadable);
    }

    [Fact]
    public async Task SplitRead_GetFails_OpenThrowsWhatReadAsyncThrows()
    {
        var (store, split, prefix) = Partition<string>();
        await redis.Connection.GetDatabase().ListRightPushAsync($"{prefix}job:k", "a list, not a string");

        var viaRead = await Assert.ThrowsAnyAsync<RedisException>(async () => await store.ReadAsync("k"));
        var viaSplit = await Assert.ThrowsAnyAsync<RedisException>(() => SplitReadAsync(split, "k"));

        Assert.Equal(viaRead.GetType(), viaSplit.GetType());
        Assert.Contains("WRONGTYPE", viaSplit.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRead_CancelledToken_ThrowsBeforeSending()
    {
        var (_, split, _) = Partition<string>();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.Throws<OperationCanceledException>(() => { _ = split.StartRead("k", cancelled.Token); });
    }
}
