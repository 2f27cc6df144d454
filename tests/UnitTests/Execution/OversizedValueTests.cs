using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.Execution;

/// <summary>Issue 10, defect 10: a value over the store's read limit was written, then never read back.</summary>
public class OversizedValueTests
{
    private const int Limit = 100;
    private static readonly string Big = new('x', 1_000);
    private static readonly Policy Policy = Cacheback.Policy.Create(lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private sealed class Setup : IDisposable
    {
        public Setup(string name, Func<string> value)
        {
            Harness = new Harness(store: new EncodedStore(Bytes, maxPayloadBytes: Limit));
            Cached = Cache.Wrap<string, string>((_, _) => { Fetches++; return Task.FromResult(value()); }, Policy, runtime: Harness.Runtime, name: name);
        }

        public MemoryBinaryStore Bytes { get; } = new();

        public Harness Harness { get; }

        public CachedFetch<string, string> Cached { get; }

        public int Fetches { get; private set; }

        public void Dispose() => Harness.Dispose();
    }

    private static void AssertNamesSizeAndLimit(Exception e)
    {
        Assert.Equal("PayloadTooLargeException", e.GetType().Name);
        Assert.Contains("100 bytes", e.Message, StringComparison.Ordinal);
        Assert.Matches(@"\b10\d\d bytes", e.Message); // the encoded size: the string plus its MessagePack header
    }

    [Fact]
    public async Task SetAsync_ValueOverTheLimit_ThrowsNamingSizeAndLimit_AndStoresNothing()
    {
        using var s = new Setup("set-big", () => "small");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => s.Cached.SetAsync("k", Big));

        AssertNamesSizeAndLimit(e);
        Assert.Empty(s.Bytes.Keys);
    }

    [Fact]
    public async Task RefreshAsync_ValueOverTheLimit_ThrowsNamingSizeAndLimit()
    {
        using var s = new Setup("refresh-big", () => Big);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => s.Cached.RefreshAsync("k"));

        AssertNamesSizeAndLimit(e);
        Assert.Empty(s.Bytes.Keys);
    }

    [Fact]
    public async Task GetAsync_MissFetchingAValueOverTheLimit_ServesIt_LogsWhy_AndDoesNotStoreIt()
    {
        using var s = new Setup("miss-big", () => Big);

        Assert.Equal(Big, await s.Cached.GetAsync("k"));

        Assert.Empty(s.Bytes.Keys);
        Assert.Contains(s.Harness.Logs.Entries, e => e.Level == LogLevel.Warning && e.Exception?.GetType().Name == "PayloadTooLargeException");
    }

    [Fact]
    public async Task SetAsync_ValueAtTheLimit_IsStoredAndReadBack()
    {
        using var s = new Setup("set-fits", () => "fetched");
        var fits = new string('y', Limit - 2); // MessagePack's str 8 header takes 2 bytes

        await s.Cached.SetAsync("k", fits);

        Assert.Equal(fits, await s.Cached.GetAsync("k"));
        Assert.Equal(0, s.Fetches);
    }

    [Fact]
    public async Task BackgroundRefresh_ValueOverTheLimit_FailsWithTheReason_AndTheStaleValueStays()
    {
        var value = "small";
        using var s = new Setup("background-big", () => value);
        await s.Cached.GetAsync("k");
        value = Big;
        s.Harness.Time.Advance(TimeSpan.FromSeconds(11));
        var outcome = s.Harness.NextOutcome();

        Assert.Equal("small", await s.Cached.GetAsync("k")); // stale: served, refresh enqueued
        var done = await outcome.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RefreshResult.Failed, done.Result);
        Assert.Equal("PayloadTooLargeException", done.Error?.GetType().Name);
        Assert.Equal("small", (await s.Cached.RawGetAsync("k"))?.Value);
    }
}
