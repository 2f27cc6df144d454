namespace Cacheback.Tests.Decisions;

/// <summary>
/// <see cref="Decide.Next{T}"/>'s commands at their exact edges, and what the hot paths rely on: the
/// common read and the miss it decides allocate nothing; the non-read effects are no read's.
/// </summary>
public class DecideCommandTests
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    private static readonly Rules Rules = Policy.Create(lifetime: TimeSpan.FromSeconds(10), cacheTtl: TimeSpan.FromSeconds(60), refreshTimeout: TimeSpan.FromSeconds(5)).Rules;

    [Fact]
    public void Read_TheCommonOne_IsOneInstance_AndAMissOnAnAbsentKeyAllocatesNothing()
    {
        Assert.Same(Command<string>.Read.Plain, Command<string>.Read.Of(0, TagVerdict.Valid));
        Assert.NotSame(Command<string>.Read.Plain, Command<string>.Read.Of(0.5, TagVerdict.Valid));
        Assert.NotSame(Command<string>.Read.Plain, Command<string>.Read.Of(0, TagVerdict.Stale));
        _ = Decide.Next(Command<string>.Read.Of(0, TagVerdict.Valid), T0, null, Rules);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var effect = Decide.Next(Command<string>.Read.Of(0, TagVerdict.Valid), T0, null, Rules);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(new Effect<string>.FetchSync(CacheStatus.Miss, 0), effect);
        Assert.Same(effect, Decide.Next(Command<string>.Read.Plain, T0 + 1, null, Rules));
    }

    [Fact]
    public void StoreUnavailable_IsOneEffect_FetchingWithoutWriteBack()
    {
        var effect = Decide.Next(Command<string>.StoreUnavailable.Instance, T0, null, Rules);

        Assert.Same(effect, Decide.Next(Command<string>.StoreUnavailable.Instance, T0 + 5, Envelope.FromMs(3, true, "v", T0, T0 + 10, 0), Rules));
        Assert.False(Assert.IsType<Effect<string>.FetchSync>(effect).WriteBack);
    }

    [Fact]
    public void Invalidate_LeasesForTheRefreshTimeout_AndKeepsWhatIsLeftOfTheTtl()
    {
        var stored = Envelope.FromMs(3, true, "v", T0, T0 + 10_000, 0);

        var lease = Assert.IsType<Effect<string>.Lease>(Decide.Next(Command<string>.Invalidate.Instance, T0 + 59_999, stored, Rules));

        Assert.Equal(3, lease.Claim.ExpectedVersion);
        Assert.Equal(T0 + 59_999 + 5_000, lease.Claim.LeaseUntil.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.FromMilliseconds(1), lease.Claim.Ttl);
        Assert.Equal(T0 + 10_000, lease.Claim.Leased.FreshUntilMs);
        Assert.Equal(T0 + 1, Assert.IsType<Effect<string>.Lease>(Decide.Next(Command<string>.Invalidate.Instance, T0 + 1, stored, Rules)).Claim.Leased.FreshUntilMs);
        Assert.Equal(TimeSpan.FromMilliseconds(59_999), Assert.IsType<Effect<string>.Lease>(Decide.Next(Command<string>.Invalidate.Instance, T0 + 1, stored, Rules)).Claim.Ttl);
        Assert.Same(Effect<string>.Nothing.Instance, Decide.Next(Command<string>.Invalidate.Instance, T0, null, Rules));
    }

    [Fact]
    public void RequestRefresh_OfAnAbsentKey_FillsIt_OverNothing()
    {
        Assert.Equal(new Effect<string>.RefreshOver(0), Decide.Next(Command<string>.RequestRefresh.Instance, T0, null, Rules));
    }

    [Fact]
    public void RefreshNow_LandsOverTheStoredVersion_OrNothing()
    {
        Assert.Equal(new Effect<string>.RefreshOver(8), Decide.Next(Command<string>.RefreshNow.Instance, T0, Envelope.FromMs(8, true, "v", T0, T0, 0), Rules));
        Assert.Equal(new Effect<string>.RefreshOver(0), Decide.Next(Command<string>.RefreshNow.Instance, T0, null, Rules));
    }

    [Fact]
    public void RunRefresh_OverTheStoredVersionOnly()
    {
        var stored = Envelope.FromMs(8, true, "v", T0, T0 + 10_000, T0 + 5_000);

        Assert.Equal(new Effect<string>.RefreshOver(8), Decide.Next(new Command<string>.RunRefresh(8), T0, stored, Rules));
        Assert.Same(Effect<string>.Superseded.Instance, Decide.Next(new Command<string>.RunRefresh(7), T0, stored, Rules));
        Assert.Same(Effect<string>.Superseded.Instance, Decide.Next(new Command<string>.RunRefresh(9), T0, stored, Rules));
        Assert.Equal(new Effect<string>.RefreshOver(0), Decide.Next(new Command<string>.RunRefresh(0), T0, null, Rules));
        Assert.Same(Effect<string>.Superseded.Instance, Decide.Next(new Command<string>.RunRefresh(1), T0, null, Rules));
    }

    [Fact]
    public void Write_IsFreshForTheLifetime_KeptForTheTtl_OverTheExpectedVersion()
    {
        var store = Assert.IsType<Effect<string>.Store>(Decide.Next(new Command<string>.Write("v", 4, 2), T0, null, Rules));

        Assert.Equal(Envelope.FromMs(4, true, "v", T0, T0 + 10_000, 0), store.Envelope);
        Assert.Equal(TimeSpan.FromSeconds(60), store.Ttl);
        Assert.Equal(2, store.ExpectedVersion);
        Assert.Null(Assert.IsType<Effect<string>.Store>(Decide.Next(new Command<string>.Write("v", 4, null), T0, null, Rules)).ExpectedVersion);
    }

    [Fact]
    public void Verify_AtTheSameFetchTime_IsVerified_OneMillisecondOlder_IsLost()
    {
        var written = Envelope.FromMs(5, true, "ours", T0, T0 + 1_000, 0);

        Assert.Same(Effect<string>.Verified.Instance, Decide.Next(new Command<string>.Verify(written), T0, Envelope.FromMs(6, true, "other", T0, T0 + 1_000, 0), Rules));
        Assert.Equal(new Effect<string>.WriteLost(null), Decide.Next(new Command<string>.Verify(written), T0, null, Rules));
        var older = Envelope.FromMs(6, true, "older", T0 - 1, T0 + 1_000, 0);
        Assert.Same(older, Assert.IsType<Effect<string>.WriteLost>(Decide.Next(new Command<string>.Verify(written), T0, older, Rules)).Found);
    }

    [Fact]
    public void NonReadEffects_ReportNoReadStatus_AndMatchRefusesThem()
    {
        Effect<string>[] operations =
        [
            Effect<string>.Nothing.Instance, Effect<string>.Superseded.Instance, Effect<string>.Verified.Instance,
            new Effect<string>.RefreshOver(3), new Effect<string>.Present(null), new Effect<string>.WriteLost(null),
        ];

        foreach (var operation in operations)
        {
            Assert.Equal(CacheStatus.Miss, operation.Status);
            var e = Assert.Throws<InvalidOperationException>(() => operation.Match(_ => 1, _ => 2, _ => 3));
            Assert.Contains(operation.GetType().Name, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0, 120, 120)]
    [InlineData(100, 100, 100)]
    [InlineData(100, 200, 125)]
    [InlineData(100, 0, 75)]
    [InlineData(100, 103, 100)]
    public void FetchAverage_TakesTheFirstSample_ThenAQuarterOfEach(long previous, long sample, long expected) =>
        Assert.Equal(expected, Decide.FetchAverage(previous, sample));
}
