namespace Cacheback.Tests.Decisions;

/// <summary>
/// The rules of <see cref="Decide"/> that random moments almost never reach: the early-refresh head
/// start at its limits (rule off, a draw of 1, the cap), the lease of a fresh item inside its head
/// start at the exact millisecond it ends, a raw get at the TTL, and what counts as a lost write.
/// </summary>
public class DecideEdgeTests
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    private const long MaxUnixMs = 253_402_300_799_999;

    // ---- HeadStartMs ----

    [Theory]
    [InlineData(0.0, 1000L)] // the rule off
    [InlineData(1.0, 0L)] // a fetch not measured yet (or free)
    [InlineData(1.0, -5L)] // a negative measure is no head start either
    [InlineData(0.0, 0L)]
    public void HeadStart_IsZero_WithTheRuleOffOrACheapFetch_WhateverTheDraw(double beta, long fetchMs)
    {
        // A draw of 1 is -ln(0) = infinity: an off rule must not turn 0 * infinity (NaN) into a head start.
        foreach (var draw in new[] { 0.0, 0.5, 0.999999, 1.0 })
            Assert.Equal(0, Decide.HeadStartMs(beta, fetchMs, draw));
    }

    [Fact]
    public void HeadStart_IsFetchTimesBetaTimesMinusLnOfOneMinusTheDraw()
    {
        Assert.Equal(0, Decide.HeadStartMs(1, 1000, 0)); // -ln(1) = 0
        Assert.Equal((long)(2000 * 1.5 * -Math.Log(0.1)), Decide.HeadStartMs(1.5, 2000, 0.9));
        Assert.Equal(6907, Decide.HeadStartMs(1, 1000, 0.999)); // 1000 * 6.9077...
    }

    [Fact]
    public void HeadStart_ADrawOfOne_IsCappedAtTheLatestEnvelopeTime_NotOverflowing()
    {
        Assert.Equal(MaxUnixMs, Decide.HeadStartMs(1, 1000, 1.0));
        Assert.Equal(MaxUnixMs, Decide.HeadStartMs(10, long.MaxValue / 2, 0.5)); // finite, but past the cap
        Assert.True(T0 + Decide.HeadStartMs(1, 1000, 1.0) > T0); // now + head start never wraps
    }

    [Fact]
    public void HeadStart_JustUnderTheCap_IsKept()
    {
        // fetch * beta * -ln(1 - draw) with -ln(1 - draw) = 1 exactly at draw 1 - 1/e: choose a fetch
        // time that lands the product on the millisecond below the cap.
        var draw = 1 - Math.Exp(-1);
        var ms = Decide.HeadStartMs(1, MaxUnixMs - 1000, draw);
        Assert.InRange(ms, MaxUnixMs - 1001, MaxUnixMs - 999);
    }

    // ---- a fresh item inside its head start: the lease ----

    private static Rules Early(long fetchMs) =>
        new(LifetimeMs: 10_000, CacheTtlMs: 60_000, RefreshTimeoutMs: 5_000, FetchOnMiss: false, FetchOnStaleThresholdMs: long.MaxValue, EarlyRefreshBeta: 1) { FetchMs = fetchMs };

    [Fact]
    public void EarlyRefresh_ALeaseHeld_UntilItsLastMillisecond_ServesWithoutClaiming_AndClaimsFromTheMillisecondItEnds()
    {
        // Fresh until T0 + 10 s, leased until T0 + 8 s; a fetch of 5 s and a draw of 0.9 give a head
        // start of 11.5 s, so from T0 on every read is inside it.
        var stored = Envelope.FromMs(7, true, "v", T0, T0 + 10_000, T0 + 8_000);
        var rules = Early(fetchMs: 5_000);

        var held = Ask.Read(T0 + 7_999, stored, rules, draw: 0.9);
        Assert.Equal(new Effect<string>.Return("v", CacheStatus.Hit), held);

        var ended = Assert.IsType<Effect<string>.ReturnAndEnqueue>(Ask.Read(T0 + 8_000, stored, rules, draw: 0.9));
        Assert.Equal(CacheStatus.Hit, ended.Status);
        Assert.Equal("v", ended.Value);
        Assert.Equal(7, ended.Claim.ExpectedVersion);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 8_000 + 5_000), ended.Claim.LeaseUntil);
        Assert.Same(stored, ended.Claim.Leased); // still fresh: leased as it is, not marked stale
    }

    [Fact]
    public void EarlyRefresh_IsClaimedFromFreshUntilMinusTheHeadStart_APlainHitBefore()
    {
        var stored = Envelope.FromMs(7, true, "v", T0, T0 + 10_000, 0);

        // A fetch of 1 s and a draw of 0.9: a head start of 1 s * -ln(0.1) = 2.302 s; a plain hit while
        // now + head start < FreshUntil, claimed early from the millisecond it is not.
        var headStart = Decide.HeadStartMs(1, 1000, 0.9);
        Assert.Equal(2302, headStart);
        var firstEarly = stored.FreshUntilMs - headStart;
        Assert.Equal(new Effect<string>.Return("v", CacheStatus.Hit), Ask.Read(firstEarly - 1, stored, Early(1000), 0.9));
        Assert.IsType<Effect<string>.ReturnAndEnqueue>(Ask.Read(firstEarly, stored, Early(1000), 0.9));
    }

    // ---- Present: a raw get ----

    [Fact]
    public void Present_KeepsWhatIsStored_UntilTheMillisecondBeforeFetchedAtPlusTheTtl()
    {
        var stored = Envelope.FromMs(3, true, "v", T0, T0 + 1_000, 0);

        Assert.Same(stored, Ask.Present(T0 + 59_999, stored, cacheTtlMs: 60_000));
        Assert.Null(Ask.Present(T0 + 60_000, stored, cacheTtlMs: 60_000));
        Assert.Null(Ask.Present(T0 + 90_000, stored, cacheTtlMs: 60_000));
        Assert.Null(Ask.Present<string>(T0, null, cacheTtlMs: 60_000));
    }

    [Fact]
    public void Present_KeepsAPlaceholderToo_WhileTheTtlKeepsIt()
    {
        var placeholder = Envelope.FromMs(3, false, default(string)!, T0, T0, T0 + 5_000);

        Assert.Same(placeholder, Ask.Present(T0 + 10, placeholder, cacheTtlMs: 60_000));
        Assert.Null(Ask.Present(T0 + 60_000, placeholder, cacheTtlMs: 60_000));
    }

    // ---- WriteLost: a write read back ----

    [Fact]
    public void WriteLost_WhenNothingIsThere()
    {
        var written = Envelope.FromMs(5, true, "ours", T0, T0 + 1_000, 0);

        Assert.True(Ask.WriteLost(null, written));
    }

    [Fact]
    public void WriteLost_NotWhenOurVersionIsThere_WhateverItsTimes()
    {
        var written = Envelope.FromMs(5, true, "ours", T0, T0 + 1_000, 0);

        Assert.False(Ask.WriteLost(written, written));
        // Our version, read back with an older fetch time (a store that rounds, a lease rewritten): still ours.
        Assert.False(Ask.WriteLost(Envelope.FromMs(5, true, "ours", T0 - 1, T0 + 1_000, 0), written));
    }

    [Fact]
    public void WriteLost_AnotherVersion_IsLostOnlyWhenItsDataIsOlderThanOurs()
    {
        var written = Envelope.FromMs(5, true, "ours", T0, T0 + 1_000, 0);

        // Older data under another version: ours was overwritten by something staler.
        Assert.True(Ask.WriteLost(Envelope.FromMs(6, true, "older", T0 - 1, T0 + 1_000, 0), written));
        // The same fetch time (a lease over our write takes a new version and keeps our fetch time).
        Assert.False(Ask.WriteLost(Envelope.FromMs(6, true, "ours", T0, T0 + 1_000, T0 + 500), written));
        // Newer data: another writer won, and that is not a loss.
        Assert.False(Ask.WriteLost(Envelope.FromMs(6, true, "newer", T0 + 1, T0 + 1_000, 0), written));
    }
}
