using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>What Cacheback's HybridCache adds: stale serving with one refresh, stale tags, invalidations that writes in flight cannot undo, bounds.</summary>
public sealed class CachebackHybridCacheBehaviourTests : IDisposable
{
    private static readonly HybridCacheEntryOptions OneMinute = new() { Expiration = TimeSpan.FromMinutes(1) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _provider;
    private readonly CachebackHybridCache _cache;

    public CachebackHybridCacheBehaviourTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddCachebackHybridCache(o => o.StaleFor = TimeSpan.FromMinutes(10));
        _provider = services.BuildServiceProvider();
        _cache = (CachebackHybridCache)_provider.GetRequiredService<HybridCache>();
    }

    public void Dispose() => _provider.Dispose();

    [Fact]
    public void The_one_line_registers_Cacheback_as_the_HybridCache_replacing_Microsofts()
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        services.AddCachebackHybridCache();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<CachebackHybridCache>(provider.GetRequiredService<HybridCache>());
        Assert.Same(provider.GetRequiredService<HybridCache>(), provider.GetRequiredService<CachebackHybridCache>());
    }

    [Fact]
    public async Task Many_stale_readers_get_the_stale_value_at_once_and_the_factory_runs_once()
    {
        var calls = new Counter();
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>($"v{calls.Next()}"), OneMinute);
        _time.Advance(TimeSpan.FromMinutes(2));
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refreshed = _cache.NextRefreshEnded("k");

        var readers = Enumerable.Range(0, 50)
            .Select(_ => _cache.GetOrCreateAsync("k", async _ => { calls.Next(); return await gate.Task; }, OneMinute))
            .ToArray();

        // Every reader got the stale value without waiting for the (still blocked) refresh.
        Assert.All(readers, r => Assert.True(r.IsCompletedSuccessfully));
        Assert.All(readers, r => Assert.Equal("v1", r.Result));
        gate.SetResult("v2");
        await refreshed;
        Assert.Equal("v2", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task Past_expiration_plus_StaleFor_a_read_waits_for_the_factory()
    {
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("old"), OneMinute);
        _time.Advance(TimeSpan.FromMinutes(11) + TimeSpan.FromSeconds(1));

        Assert.Equal("new", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("new"), OneMinute));
    }

    [Fact]
    public async Task A_hit_needs_the_readers_TTL_too_as_Decide_states_so_a_longer_lived_write_past_it_is_fetched_again()
    {
        // Written fresh for a day; read with one minute (TTL 11 minutes) after 12: the slow path's
        // Decide calls it past the TTL, and the inlined hit check must agree (it used to serve it).
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("old"), new HybridCacheEntryOptions { Expiration = TimeSpan.FromDays(1) });
        _time.Advance(TimeSpan.FromMinutes(12));

        Assert.Equal("new", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("new"), OneMinute));
    }

    [Fact]
    public async Task A_failing_refresh_keeps_the_stale_value_served_and_is_retried_after_its_lease()
    {
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("old"), OneMinute);
        _time.Advance(TimeSpan.FromMinutes(2));
        var failed = _cache.NextRefreshEnded("k");

        Assert.Equal("old", await _cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("down"), OneMinute));
        await failed;
        Assert.Equal("old", await _cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("not called: the lease holds"), OneMinute));

        _time.Advance(_cache.Options.RefreshTimeout);
        var retried = _cache.NextRefreshEnded("k");
        Assert.Equal("old", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("new"), OneMinute));
        await retried;
        Assert.Equal("new", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }

    [Fact]
    public async Task InvalidateByTag_serves_the_tagged_entries_stale_while_one_refresh_runs()
    {
        var calls = new Counter();
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>($"v{calls.Next()}"), OneMinute, ["t"]);

        await _cache.InvalidateByTagAsync("t");
        var refreshed = _cache.NextRefreshEnded("k");
        var first = await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>($"v{calls.Next()}"), OneMinute, ["t"]);
        await refreshed;

        Assert.Equal("v1", first);
        Assert.Equal("v2", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>($"v{calls.Next()}"), OneMinute, ["t"]));
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task A_fetch_that_started_before_RemoveByTag_is_returned_but_never_counts_as_fresh()
    {
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var filling = _cache.GetOrCreateAsync("k", async _ => { started.SetResult(); return await gate.Task; }, OneMinute, ["t"]).AsTask();
        await started.Task;

        await _cache.RemoveByTagAsync("t");
        gate.SetResult("from before the removal");

        Assert.Equal("from before the removal", await filling);
        Assert.Equal("after", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("after"), OneMinute, ["t"]));
    }

    [Fact]
    public async Task A_refresh_that_started_before_RemoveByTag_does_not_land_as_fresh()
    {
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("old"), OneMinute, ["t"]);
        _time.Advance(TimeSpan.FromMinutes(2));
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refreshed = _cache.NextRefreshEnded("k");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal("old", await _cache.GetOrCreateAsync("k", async _ => { started.SetResult(); return await gate.Task; }, OneMinute, ["t"]));
        // The refresh runs off the reader's thread: wait until its factory has started (and so its tags were read).
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await _cache.RemoveByTagAsync("t");
        gate.SetResult("refreshed before the removal");
        await refreshed;

        Assert.Equal("after", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("after"), OneMinute, ["t"]));
    }

    [Fact]
    public async Task A_Set_that_read_its_tags_before_RemoveByTag_does_not_survive_it()
    {
        await _cache.SetAsync("k", "set", OneMinute, ["t"]);

        await _cache.RemoveByTagAsync("t");

        Assert.Equal("fetched", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("fetched"), OneMinute, ["t"]));
    }

    [Fact]
    public async Task A_refresh_does_not_overwrite_a_Set_made_while_it_ran()
    {
        await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("old"), OneMinute);
        _time.Advance(TimeSpan.FromMinutes(2));
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refreshed = _cache.NextRefreshEnded("k");
        await _cache.GetOrCreateAsync("k", async _ => await gate.Task, OneMinute);

        await _cache.SetAsync("k", "set meanwhile", OneMinute);
        gate.SetResult("refreshed");
        await refreshed;

        Assert.Equal("set meanwhile", await _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }

    [Fact]
    public async Task A_value_over_the_payload_limit_replaces_nothing_older()
    {
        using var provider = new ServiceCollection().AddSingleton<TimeProvider>(_time).AddCachebackHybridCache(o => o.MaximumPayloadBytes = 8).BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        await cache.SetAsync("k", "small");

        await cache.SetAsync("k", "far too large for the limit");

        Assert.Equal("fetched", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("fetched")));
    }

    [Fact]
    public async Task A_key_holding_another_type_is_a_miss_for_this_one()
    {
        await _cache.SetAsync("k", "text");

        Assert.Equal(42, await _cache.GetOrCreateAsync("k", _ => new ValueTask<int>(42)));
    }

    [Theory]
    [InlineData(nameof(CachebackHybridCacheOptions.StaleFor), -1.0)]
    [InlineData(nameof(CachebackHybridCacheOptions.RefreshTimeout), 0.0)]
    [InlineData(nameof(CachebackHybridCacheOptions.RefreshTimeout), 5_000_000.0)]
    [InlineData(nameof(CachebackHybridCacheOptions.TagRetention), 0.5)]
    public void Options_out_of_bounds_are_refused_naming_the_option(string option, double seconds)
    {
        var options = new CachebackHybridCacheOptions();
        typeof(CachebackHybridCacheOptions).GetProperty(option)!.SetValue(options, TimeSpan.FromSeconds(seconds));
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { RunRefreshWorker = false });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CachebackHybridCache(runtime, options));

        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void A_payload_limit_out_of_bounds_is_refused_naming_it()
    {
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { RunRefreshWorker = false });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CachebackHybridCache(runtime, new CachebackHybridCacheOptions { MaximumPayloadBytes = 0 }));

        Assert.Equal(nameof(HybridCacheOptions.MaximumPayloadBytes), error.ParamName);
    }

    [Fact]
    public async Task An_entry_expiration_out_of_bounds_is_refused_naming_it()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            _cache.GetOrCreateAsync("k", _ => new ValueTask<string>("v"), new HybridCacheEntryOptions { Expiration = TimeSpan.Zero }).AsTask());

        Assert.Equal("options.Expiration", error.ParamName);
    }
}
