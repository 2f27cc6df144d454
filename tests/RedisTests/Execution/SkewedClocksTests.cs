namespace Cacheback.Tests.Redis.Execution;

/// <summary>
/// Issue 10, defect 7: a writer and a reader on one Redis whose own clocks are 20 s apart. The
/// writer stamps <c>FreshUntil</c>; the reader must judge it on the same clock, the store's, or a
/// reader ahead sees every fresh value as stale (a refresh storm) and a reader behind serves values
/// long past their lifetime. Redis's clock cannot be moved: the clients are skewed instead.
/// </summary>
[Collection(RedisCollection.Name)]
public class SkewedClocksTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(20);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(5), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    [Fact]
    public async Task Get_ReaderClockAheadOfTheWriter_AFreshValueIsAHit_NotARefresh()
    {
        var prefix = RedisServerFixture.Prefix();
        using var writer = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false);
        using var reader = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false, start: Harness.Start + Skew);
        var fetches = 0;
        var written = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{Interlocked.Increment(ref fetches)}"), Policy, runtime: writer.Runtime, name: "prices");
        var read = Cache.Wrap<string, string>((_, _) => Task.FromResult("never"), Policy, runtime: reader.Runtime, name: "prices");
        Assert.Equal("v1", await written.GetAsync("k"));

        for (var second = 0; second < 4; second++)
        {
            Assert.Equal("v1", await read.GetAsync("k"));
            writer.Time.Advance(TimeSpan.FromSeconds(1));
            reader.Time.Advance(TimeSpan.FromSeconds(1));
        }

        // Before the fix, the reader 20 s ahead saw the value stale at once: a stale hit and a refresh every read.
        Assert.Equal(4, reader.Count(CacheEventKind.Hit));
        Assert.Equal(0, reader.Count(CacheEventKind.StaleHit));
        Assert.Equal(0, reader.Enqueued);
        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task Get_ReaderClockBehindTheWriter_AValuePastItsLifetimeIsStale_NotAHit()
    {
        var prefix = RedisServerFixture.Prefix();
        using var writer = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false);
        using var reader = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false, start: Harness.Start - Skew);
        var written = Cache.Wrap<string, string>((_, _) => Task.FromResult("v1"), Policy, runtime: writer.Runtime, name: "prices");
        var read = Cache.Wrap<string, string>((_, _) => Task.FromResult("never"), Policy, runtime: reader.Runtime, name: "prices");
        Assert.Equal("v1", await written.GetAsync("k"));

        // 24 s later the value is 24 s old with a 5 s lifetime: stale for everyone.
        writer.Time.Advance(TimeSpan.FromSeconds(24));
        reader.Time.Advance(TimeSpan.FromSeconds(24));

        var enqueued = reader.NextEnqueue();
        Assert.Equal("v1", await read.GetAsync("k"));
        // Before the fix, the reader 20 s behind still saw it fresh (its "now" was the writer's 4 s).
        Assert.Equal(0, reader.Count(CacheEventKind.Hit));
        Assert.Equal(1, reader.Count(CacheEventKind.StaleHit));
        // The refresh is enqueued after the stale value is returned.
        Assert.Equal("k", (await enqueued.WaitAsync(TimeSpan.FromSeconds(30))).Key);
        Assert.Equal(1, reader.Enqueued);
    }

    [Fact]
    public async Task Runtimes_OnOneRedis_WithClocks40SecondsApart_ReadTheSameNow()
    {
        var prefix = RedisServerFixture.Prefix();
        using var ahead = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false, start: Harness.Start + Skew);
        using var behind = new Harness(store: new RedisStore(redis.Connection, prefix), runRefreshes: false, start: Harness.Start - Skew);

        // Measured a few ms apart in real time, on fake clocks that stand still: within a second of each other, not 40 s.
        Assert.InRange(ahead.Runtime.Clock.NowMs() - behind.Runtime.Clock.NowMs(), -1_000, 1_000);
    }
}
