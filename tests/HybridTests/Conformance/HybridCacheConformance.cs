using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Hybrid.Tests.Conformance;

/// <summary>
/// HybridCache's documented behaviour, as one test class run against Microsoft's implementation
/// (<see cref="MicrosoftHybridCacheTests"/>) and Cacheback's (<see cref="CachebackHybridCacheTests"/>).
/// Where Cacheback deliberately differs, the test says so and asserts each implementation's behaviour.
/// Time is a <see cref="FakeTimeProvider"/> both take from the container.
/// </summary>
public abstract class HybridCacheConformance : IDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Whether this run is Cacheback's (for the behaviours where it deliberately differs).</summary>
    protected abstract bool IsCacheback { get; }

    /// <summary>Registers the implementation under test, the one line an app changes.</summary>
    protected abstract void AddCache(IServiceCollection services, Action<HybridCacheOptions> configure);

    protected HybridCache Build(Action<HybridCacheOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(Time);
        // Microsoft's local cache is an IMemoryCache, whose clock is an ISystemClock of its own.
#pragma warning disable CS0618 // ISystemClock is how MemoryCache takes a clock.
        collection.AddSingleton<IMemoryCache>(new MemoryCache(new MemoryCacheOptions { Clock = new FakeSystemClock(Time) }));
#pragma warning restore CS0618
        services?.Invoke(collection);
        AddCache(collection, configure ?? (_ => { }));
        var provider = collection.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<HybridCache>();
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
            provider.Dispose();
        GC.SuppressFinalize(this);
    }

    private static Func<CancellationToken, ValueTask<string>> Counting(Counter counter, string value = "value") =>
        _ => new ValueTask<string>($"{value}-{counter.Next()}");

    [Fact]
    public async Task GetOrCreate_calls_the_factory_once_then_serves_the_cached_value()
    {
        var cache = Build();
        var calls = new Counter();

        var first = await cache.GetOrCreateAsync("k", Counting(calls));
        var second = await cache.GetOrCreateAsync("k", Counting(calls));

        Assert.Equal("value-1", first);
        Assert.Equal("value-1", second);
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task GetOrCreate_passes_the_state_to_the_factory()
    {
        var cache = Build();

        var value = await cache.GetOrCreateAsync("k", (Id: 42, Name: "x"), static (s, _) => new ValueTask<string>($"{s.Name}{s.Id}"));

        Assert.Equal("x42", value);
    }

    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_factory_call()
    {
        var cache = Build();
        var calls = new Counter();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 20)
            .Select(_ => cache.GetOrCreateAsync("k", async _ => { calls.Next(); return await gate.Task; }).AsTask())
            .ToArray();

        gate.SetResult("shared");
        var values = await Task.WhenAll(callers);

        Assert.All(values, v => Assert.Equal("shared", v));
        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task Set_stores_a_value_that_GetOrCreate_then_serves_without_the_factory()
    {
        var cache = Build();
        var calls = new Counter();

        await cache.SetAsync("k", "set");
        var value = await cache.GetOrCreateAsync("k", Counting(calls));

        Assert.Equal("set", value);
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task Set_overwrites_a_cached_value()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.GetOrCreateAsync("k", Counting(calls));

        await cache.SetAsync("k", "newer");

        Assert.Equal("newer", await cache.GetOrCreateAsync("k", Counting(calls)));
    }

    [Fact]
    public async Task Remove_makes_the_next_GetOrCreate_call_the_factory()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.GetOrCreateAsync("k", Counting(calls));

        await cache.RemoveAsync("k");
        var value = await cache.GetOrCreateAsync("k", Counting(calls));

        Assert.Equal("value-2", value);
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task Remove_of_many_keys_removes_each()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.GetOrCreateAsync("a", Counting(calls));
        await cache.GetOrCreateAsync("b", Counting(calls));

        await cache.RemoveAsync(["a", "b"]);

        Assert.Equal("value-3", await cache.GetOrCreateAsync("a", Counting(calls)));
        Assert.Equal("value-4", await cache.GetOrCreateAsync("b", Counting(calls)));
    }

    [Fact]
    public async Task RemoveByTag_removes_the_entries_carrying_the_tag_and_only_those()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.GetOrCreateAsync("red", Counting(calls, "red"), tags: ["colour", "warm"]);
        await cache.GetOrCreateAsync("blue", Counting(calls, "blue"), tags: ["colour"]);
        await cache.GetOrCreateAsync("stone", Counting(calls, "stone"), tags: ["mineral"]);
        Time.Advance(TimeSpan.FromMilliseconds(1));

        await cache.RemoveByTagAsync("warm");
        Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("red-4", await cache.GetOrCreateAsync("red", Counting(calls, "red"), tags: ["colour", "warm"]));
        Assert.Equal("blue-2", await cache.GetOrCreateAsync("blue", Counting(calls, "blue"), tags: ["colour"]));
        Assert.Equal("stone-3", await cache.GetOrCreateAsync("stone", Counting(calls, "stone"), tags: ["mineral"]));
    }

    [Fact]
    public async Task RemoveByTag_of_the_wildcard_removes_every_entry()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.GetOrCreateAsync("a", Counting(calls), tags: ["t"]);
        await cache.GetOrCreateAsync("b", Counting(calls));
        Time.Advance(TimeSpan.FromMilliseconds(1));

        await cache.RemoveByTagAsync("*");
        Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("value-3", await cache.GetOrCreateAsync("a", Counting(calls), tags: ["t"]));
        Assert.Equal("value-4", await cache.GetOrCreateAsync("b", Counting(calls)));
    }

    [Fact]
    public async Task Set_with_tags_is_removed_by_its_tag()
    {
        var cache = Build();
        var calls = new Counter();
        await cache.SetAsync("k", "set", tags: ["t"]);
        Time.Advance(TimeSpan.FromMilliseconds(1));

        await cache.RemoveByTagAsync(["other", "t"]);
        Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("value-1", await cache.GetOrCreateAsync("k", Counting(calls)));
    }

    /// <summary>
    /// Where Cacheback deliberately differs: past its expiration Microsoft's HybridCache makes the
    /// caller wait for the factory; Cacheback serves the stale value at once while one background
    /// refresh runs, and the refreshed value from then on.
    /// </summary>
    [Fact]
    public async Task Past_its_expiration_an_entry_is_refetched_or_served_stale_while_it_refreshes()
    {
        var cache = Build();
        var calls = new Counter();
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1) };
        await cache.GetOrCreateAsync("k", Counting(calls), options);

        Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("value-1", await cache.GetOrCreateAsync("k", Counting(calls), options));
        Time.Advance(TimeSpan.FromSeconds(2));

        if (!IsCacheback)
        {
            Assert.Equal("value-2", await cache.GetOrCreateAsync("k", Counting(calls), options));
            return;
        }

        var refreshed = ((CachebackHybridCache)cache).NextRefreshEnded("k");
        Assert.Equal("value-1", await cache.GetOrCreateAsync("k", Counting(calls), options));
        await refreshed;
        Assert.Equal("value-2", await cache.GetOrCreateAsync("k", Counting(calls), options));
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task The_default_entry_options_set_the_expiration()
    {
        var cache = Build(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(10), LocalCacheExpiration = TimeSpan.FromSeconds(10) });
        var calls = new Counter();
        await cache.GetOrCreateAsync("k", Counting(calls));

        Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("value-1", await cache.GetOrCreateAsync("k", Counting(calls)));
        Time.Advance(TimeSpan.FromSeconds(2));
        // Microsoft's refetches now; Cacheback's serves the stale value and refreshes (see above): both call the factory.
        var refreshed = IsCacheback ? ((CachebackHybridCache)cache).NextRefreshEnded("k") : Task.CompletedTask;
        await cache.GetOrCreateAsync("k", Counting(calls));
        await refreshed;

        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task A_factory_that_throws_reaches_the_caller_and_nothing_is_cached()
    {
        var cache = Build();
        var calls = new Counter();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("backend down")).AsTask());

        Assert.Equal("backend down", error.Message);
        Assert.Equal("value-1", await cache.GetOrCreateAsync("k", Counting(calls)));
    }

    [Fact]
    public async Task A_key_over_the_maximum_length_bypasses_the_cache()
    {
        var cache = Build(o => o.MaximumKeyLength = 8);
        var calls = new Counter();

        Assert.Equal("value-1", await cache.GetOrCreateAsync("much-too-long", Counting(calls)));
        Assert.Equal("value-2", await cache.GetOrCreateAsync("much-too-long", Counting(calls)));
        Assert.Equal("value-3", await cache.GetOrCreateAsync("short", Counting(calls)));
        Assert.Equal("value-3", await cache.GetOrCreateAsync("short", Counting(calls)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a\u0000b")]
    [InlineData("a\u001Fb")]
    public async Task An_unusable_key_bypasses_the_cache(string key)
    {
        var cache = Build();
        var calls = new Counter();

        await cache.GetOrCreateAsync(key, Counting(calls));
        await cache.GetOrCreateAsync(key, Counting(calls));

        Assert.Equal(2, calls.Count);
    }

    /// <summary>
    /// Both return a value over <see cref="HybridCacheOptions.MaximumPayloadBytes"/> to the caller.
    /// Microsoft's keeps it in its local cache (the limit guards only the distributed one); Cacheback
    /// has one store and stores nothing over the limit, embedded or not (see the README).
    /// </summary>
    [Fact]
    public async Task A_payload_over_the_maximum_is_returned_and_kept_out_of_the_shared_cache()
    {
        var cache = Build(o => o.MaximumPayloadBytes = 16);
        var calls = new Counter();
        var big = new string('x', 64);

        Assert.Equal(big, await cache.GetOrCreateAsync("k", _ => { calls.Next(); return new ValueTask<string>(big); }));
        Assert.Equal(big, await cache.GetOrCreateAsync("k", _ => { calls.Next(); return new ValueTask<string>(big); }));

        Assert.Equal(IsCacheback ? 2 : 1, calls.Count);
    }

    [Fact]
    public async Task A_payload_within_the_maximum_is_cached()
    {
        var cache = Build(o => o.MaximumPayloadBytes = 1024);
        var calls = new Counter();

        await cache.GetOrCreateAsync("k", Counting(calls));
        await cache.GetOrCreateAsync("k", Counting(calls));

        Assert.Equal(1, calls.Count);
    }

    [Fact]
    public async Task A_cancelled_token_throws_before_anything_runs()
    {
        var cache = Build();
        var calls = new Counter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetOrCreateAsync("k", Counting(calls), cancellationToken: cancelled.Token).AsTask());

        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task A_caller_that_cancels_stops_waiting_while_the_others_get_the_value()
    {
        var cache = Build();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();
        Func<CancellationToken, ValueTask<string>> factory = async _ => { started.TrySetResult(); return await gate.Task; };

        var leaving = cache.GetOrCreateAsync("k", factory, cancellationToken: impatient.Token).AsTask();
        await started.Task;
        var staying = cache.GetOrCreateAsync("k", factory).AsTask();
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        gate.SetResult("value");
        Assert.Equal("value", await staying);
        Assert.Equal("value", await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("other")));
    }

    [Fact]
    public async Task DisableUnderlyingData_returns_the_default_on_a_miss_without_the_factory()
    {
        var cache = Build();
        var calls = new Counter();

        var value = await cache.GetOrCreateAsync("k", Counting(calls), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData });

        Assert.Null(value);
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task DisableUnderlyingData_still_returns_a_cached_value()
    {
        var cache = Build();
        await cache.SetAsync("k", "set");

        var value = await cache.GetOrCreateAsync("k", _ => new ValueTask<string>("fetched"), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData });

        Assert.Equal("set", value);
    }

    [Fact]
    public async Task Without_a_distributed_cache_DisableLocalCache_caches_nothing()
    {
        var cache = Build();
        var calls = new Counter();
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache };

        await cache.GetOrCreateAsync("k", Counting(calls), options);
        await cache.GetOrCreateAsync("k", Counting(calls), options);

        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task A_registered_serializer_is_used_for_its_type()
    {
        var serializer = new CountingSerializer<Widget>();
        var cache = Build(services: s => s.AddSingleton<IHybridCacheSerializer<Widget>>(serializer));

        await cache.SetAsync("k", new Widget("a", 1));
        var read = await cache.GetOrCreateAsync("k", _ => new ValueTask<Widget>(new Widget("b", 2)));

        Assert.Equal(new Widget("a", 1), read);
        Assert.True(serializer.Serialized > 0, "the registered serializer should have written the value");
    }

    [Fact]
    public async Task A_registered_serializer_factory_is_used_for_the_types_it_takes()
    {
        var factory = new CountingSerializerFactory();
        var cache = Build(services: s => s.AddSingleton<IHybridCacheSerializerFactory>(factory));

        await cache.SetAsync("k", new Widget("a", 1));

        Assert.Contains(typeof(Widget), factory.Asked);
    }

    public sealed record Widget(string Name, int Size);

    private sealed class CountingSerializer<T> : IHybridCacheSerializer<T>
    {
        public int Serialized;

        public T Deserialize(ReadOnlySequence<byte> source)
        {
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize<T>(ref reader)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            Interlocked.Increment(ref Serialized);
            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value);
        }
    }

    private sealed class CountingSerializerFactory : IHybridCacheSerializerFactory
    {
        public List<Type> Asked { get; } = [];

        public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
        {
            lock (Asked)
                Asked.Add(typeof(T));
            serializer = typeof(T) == typeof(Widget) ? new CountingSerializer<T>() : null;
            return serializer is not null;
        }
    }
}

public sealed class MicrosoftHybridCacheTests : HybridCacheConformance
{
    protected override bool IsCacheback => false;

    protected override void AddCache(IServiceCollection services, Action<HybridCacheOptions> configure) => services.AddHybridCache(configure);
}

public sealed class CachebackHybridCacheTests : HybridCacheConformance
{
    protected override bool IsCacheback => true;

    protected override void AddCache(IServiceCollection services, Action<HybridCacheOptions> configure) => services.AddCachebackHybridCache(configure);
}
