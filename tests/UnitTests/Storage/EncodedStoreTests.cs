namespace Cacheback.Tests.Storage;

/// <summary>What a custom <see cref="IBinaryStore"/> needs from the encoded store.</summary>
public class EncodedStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TryReadVersion_ReadsTheVersionAStoreCompares()
    {
        var bytes = new MemoryBinaryStore();
        var partition = new EncodedStore(bytes, "app:").Partition(new PartitionSpec<string>("job", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));
        await partition.WriteAsync("k", Envelope.Fresh(1234, "v", T0, T0.AddMinutes(10)), TimeSpan.FromDays(1));

        var stored = await bytes.GetAsync("app:job:k");

        Assert.True(EncodedStore.TryReadVersion(stored, out var version));
        Assert.Equal(1234, version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("67617262616765")]
    [InlineData("93")]
    public void TryReadVersion_BytesThatAreNotAnEnvelope_AreAbsent(string hex)
    {
        Assert.False(EncodedStore.TryReadVersion(Convert.FromHexString(hex), out var version));
        Assert.Equal(0, version);
    }

    [Fact]
    public async Task ReadAsync_AbsentOrUnreadable_IsNull()
    {
        var bytes = new MemoryBinaryStore();
        var unreadable = new List<string>();
        var partition = new EncodedStore(bytes).Partition(new PartitionSpec<string>("job", JsonPayloadSerializer<string>.Default, (key, _, _) => unreadable.Add(key)));
        await bytes.SetAsync("job:bad", [0x01, 0x02], TimeSpan.FromDays(1));

        Assert.Null(await partition.ReadAsync("absent"));
        Assert.Null(await partition.ReadAsync("bad"));
        Assert.Equal(["bad"], unreadable);
    }
}
