using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Cacheback.Tests.CSharp.DependencyInjection;

namespace Cacheback.Tests.Policies;

/// <summary>Issue 10, defect 9: settings that passed validation and broke at run time are refused when built.</summary>
public class SettingsBoundsTests
{
    // uint.MaxValue - 1 ms, the longest timer .NET starts.
    private const string TimerLimit = "49.17:02:47.2940000";

    [Fact]
    public void PolicyCreate_RefreshTimeoutPastTheTimerLimit_IsRefusedNamingFieldValueAndLimit()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(refreshTimeout: TimeSpan.FromDays(60), cacheTtl: TimeSpan.FromDays(90)));

        var error = Assert.Single(e.Errors);
        Assert.Contains("RefreshTimeout", error, StringComparison.Ordinal);
        Assert.Contains("60.00:00:00", error, StringComparison.Ordinal);
        Assert.Contains(TimerLimit, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_RefreshTimeoutAtTheTimerLimit_FetchesOnAMiss()
    {
        using var h = new Harness();
        var policy = Policy.Create(refreshTimeout: TimeSpan.FromMilliseconds(uint.MaxValue - 1), cacheTtl: TimeSpan.FromDays(90));
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult("v"), policy, runtime: h.Runtime, name: "timer-limit");

        Assert.Equal("v", await cached.GetAsync("k"));
    }

    [Fact]
    public void PolicyCreate_LifetimeAndTtlOfTimeSpanMaxValue_AreRefusedNamingEach()
    {
        var e = Assert.Throws<PolicyValidationException>(() =>
            Policy.Create(lifetime: TimeSpan.MaxValue, cacheTtl: TimeSpan.MaxValue));

        Assert.Contains(e.Errors, m => m.StartsWith("Lifetime must be at most 36500.00:00:00", StringComparison.Ordinal) && m.Contains(TimeSpan.MaxValue.ToString(), StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("CacheTtl must be at most 36500.00:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public void PolicyCreate_FetchOnStaleThresholdPastTheLimit_IsRefused()
    {
        var e = Assert.Throws<PolicyValidationException>(() => Policy.Create(fetchOnStaleThreshold: TimeSpan.FromDays(40_000)));

        Assert.Contains(e.Errors, m => m.StartsWith("FetchOnStaleThreshold must be at most 36500.00:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_LifetimeAndTtlAtTheLimit_OnAnEncodedStore_ReadBackWithoutRefetching()
    {
        var hundredYears = TimeSpan.FromDays(36_500);
        using var h = new Harness(store: new EncodedStore(new MemoryBinaryStore()));
        var fetches = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"v{++fetches}"),
            Policy.Create(lifetime: hundredYears, cacheTtl: hundredYears), runtime: h.Runtime, name: "century");

        Assert.Equal("v1", await cached.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromDays(365));
        Assert.Equal("v1", await cached.GetAsync("k"));
        Assert.Equal(1, fetches);
    }

    private sealed class MillenniaJob : Job<string, string>
    {
        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromDays(9_000 * 365.0), cacheTtl: TimeSpan.FromDays(9_000 * 365.0));

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult("v");
    }

    [Fact]
    public void JobRegister_NineThousandYearLifetime_IsRefusedNamingTheField()
    {
        using var h = new Harness();
        var job = new MillenniaJob();
        job.AttachTo(h.Runtime);

        var e = Assert.Throws<PolicyValidationException>(job.Register);

        Assert.Contains(e.Errors, m => m.StartsWith("Lifetime must be at most", StringComparison.Ordinal));
    }

    private sealed class OutOfRangeHooksJob : Job<string, string>
    {
        public DateTimeOffset ExpiryAnswer { get; set; } = DateTimeOffset.MaxValue;

        public DateTimeOffset TimeoutAnswer { get; set; } = DateTimeOffset.MaxValue;

        public int Calls { get; private set; }

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromSeconds(10), cacheTtl: TimeSpan.FromHours(1));

        public override DateTimeOffset Expiry(string args, DateTimeOffset now) => ExpiryAnswer;

        public override DateTimeOffset Timeout(string args, DateTimeOffset now) => TimeoutAnswer;

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult($"v{++Calls}");
    }

    [Fact]
    public async Task GetAsync_ExpiryHookReturningMaxValue_IsClampedToTheTtl()
    {
        using var h = new Harness(store: new EncodedStore(new MemoryBinaryStore()));
        var job = new OutOfRangeHooksJob { ExpiryAnswer = DateTimeOffset.MaxValue };
        job.AttachTo(h.Runtime);

        await job.GetAsync("k");
        var raw = await job.RawGetAsync("k") ?? throw new InvalidOperationException("not stored");

        Assert.Equal(raw.FetchedAt + TimeSpan.FromHours(1), raw.FreshUntil);
    }

    [Fact]
    public async Task GetAsync_HooksReturningMinValue_StoreAReadableItemThatIsStaleAtOnce()
    {
        using var h = new Harness(store: new EncodedStore(new MemoryBinaryStore()), runRefreshes: false);
        var job = new OutOfRangeHooksJob { ExpiryAnswer = DateTimeOffset.MinValue, TimeoutAnswer = DateTimeOffset.MinValue };
        job.AttachTo(h.Runtime);

        await job.GetAsync("k");
        var raw = await job.RawGetAsync("k") ?? throw new InvalidOperationException("stored bytes unreadable");
        Assert.Equal(raw.FetchedAt, raw.FreshUntil);

        // Stale: served, and a refresh is claimed with a lease the codec can write.
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var enqueued = h.NextEnqueue();
        await job.GetAsync("k");
        await enqueued.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, job.Calls);
        Assert.NotNull(await job.RawGetAsync("k"));
    }

    [Fact]
    public void Runtime_RefreshPipelineTimeoutPastTheTimerLimit_IsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Harness(refresh: new RefreshPipelineOptions { Timeout = TimeSpan.FromDays(60) }));

        Assert.Equal("Timeout", e.ParamName);
        Assert.Contains(TimerLimit, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_RefreshPipelineConcurrencyPastTheLimit_IsRefusedNamingIt()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Harness(refresh: new RefreshPipelineOptions { MaxConcurrency = 1_000_000 }));

        Assert.Equal("MaxConcurrency", e.ParamName);
        Assert.Contains("1024", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_DurationsPastTheTimerLimit_FailNamingEachKeyAndTheLimit()
    {
        using var host = TestHost.Build(new()
        {
            ["Cacheback:DrainTimeout"] = "60.00:00:00",
            ["Cacheback:MaxConcurrentRefreshes"] = "5000",
        }, s => s.AddCacheback());

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:DrainTimeout must be at most " + TimerLimit, StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:MaxConcurrentRefreshes must be at most 1024", StringComparison.Ordinal));
    }
}
