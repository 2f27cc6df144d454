namespace Cacheback.Tests.Storage;

/// <summary>The byte store's bounds (issue 10, defect 8): entries and bytes, and the timed sweep.</summary>
public class MemoryBinaryStoreBoundTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static MemoryBinaryStore NewStore(FakeTimeProvider time, int maxEntries = 100_000, long maxBytes = 1L << 20) =>
        new(new MemoryBinaryStoreOptions { MaxEntries = maxEntries, MaxBytes = maxBytes, SweepInterval = TimeSpan.FromSeconds(1) }, time);

    [Fact]
    public async Task Set_PastMaxBytes_EvictsDownToTheBound()
    {
        var store = NewStore(new FakeTimeProvider(T0), maxBytes: 4_096);

        for (var i = 0; i < 10; i++)
            await store.SetAsync("k" + i, new byte[1_000], Day);

        Assert.Equal(4, store.Count);
        Assert.Equal(4_000, store.Bytes);
        Assert.Equal(4, store.Keys.Count);
    }

    [Fact]
    public async Task Set_PastMaxEntries_EvictsDownToTheBound()
    {
        var store = NewStore(new FakeTimeProvider(T0), maxEntries: 3);

        for (var i = 0; i < 10; i++)
            await store.SetAsync("k" + i, [1, 2, 3], Day);

        Assert.Equal(3, store.Keys.Count);
        Assert.Equal(9, store.Bytes);
    }

    [Fact]
    public async Task Set_OfAValueLargerThanTheWholeBound_IsNotKept_AndRemovesTheOldValue()
    {
        var store = NewStore(new FakeTimeProvider(T0), maxBytes: 4_096);
        await store.SetAsync("k", [1], Day);
        await store.SetAsync("other", [2], Day);

        await store.SetAsync("k", new byte[5_000], Day);

        Assert.Null(await store.GetAsync("k"));
        Assert.NotNull(await store.GetAsync("other"));
        Assert.Equal(1, store.Bytes);
    }

    [Fact]
    public async Task Sweep_RemovesExpiredEntries_WithoutAnyReadOrWrite()
    {
        var time = new FakeTimeProvider(T0);
        var store = NewStore(time);
        for (var i = 0; i < 100; i++)
            await store.SetAsync("k" + i, new byte[10], TimeSpan.FromSeconds(5));
        await store.SetAsync("kept", new byte[10], Day);

        time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(1, store.Count);
        Assert.Equal(10, store.Bytes);
    }

    [Fact]
    public void Options_MaxBytesOutOfBounds_IsRefusedNamingTheFieldAndTheLimit()
    {
        var e = Assert.Throws<ArgumentException>(() => new MemoryBinaryStore(new MemoryBinaryStoreOptions { MaxBytes = 10 }));

        Assert.Contains("MemoryBinaryStoreOptions.MaxBytes must be from 1,024 to 1,099,511,627,776 (was 10)", e.Message);
    }
}
