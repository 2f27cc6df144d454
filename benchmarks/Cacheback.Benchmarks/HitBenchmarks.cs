using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace Cacheback.Benchmarks;

/// <summary>
/// The cost of a fresh hit, against the two lookups a user would otherwise write by hand.
/// DESIGN.md's target: about what <see cref="IMemoryCache.TryGetValue"/> costs, and no allocation.
/// </summary>
[MemoryDiagnoser]
public class HitBenchmarks
{
    private const string Key = "user:42";
    private const string Value = "Ada";

    private readonly ConcurrentDictionary<string, string> _dictionary = new();
    private IMemoryCache _memoryCache = null!;
    private CachebackRuntime _runtime = null!;
    private CachedFetch<string, string> _cached = null!;
    private CachedFetch<string, string> _tagged = null!;
    private static readonly string[] Tags = ["users", "user:42"];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _memoryCache = new MemoryCache(new MemoryCacheOptions());
        _memoryCache.Set(Key, Value);
        _dictionary[Key] = Value;

        // A private runtime (not the shared Default) so nothing else runs in it; a day's lifetime
        // keeps the item fresh for the whole run, so every call below is a hit.
        _runtime = new CachebackRuntime();
        _cached = Cache.Wrap(
            (string key, CancellationToken _) => Task.FromResult(Value),
            Policy.Create(lifetime: TimeSpan.FromDays(1)),
            name: "bench.hit",
            runtime: _runtime);
        await _cached.GetAsync(Key);
        // The same with two tags (and so the wildcard): each hit asks the runtime's tag book for three counters.
        _tagged = Cache.Wrap(
            (string key, CancellationToken _) => Task.FromResult(Value),
            Policy.Create(lifetime: TimeSpan.FromDays(1)),
            name: "bench.hit.tagged",
            runtime: _runtime,
            tags: static key => Tags);
        await _tagged.GetAsync(Key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.Dispose();
        _memoryCache.Dispose();
    }

    [Benchmark(Baseline = true)]
    public object? MemoryCache_TryGetValue() => _memoryCache.TryGetValue(Key, out var value) ? value : null;

    [Benchmark]
    public string? ConcurrentDictionary_TryGetValue() => _dictionary.TryGetValue(Key, out var value) ? value : null;

    // A hit completes synchronously: reading Result keeps the benchmark free of await machinery,
    // so any allocation reported is the library's.
    [Benchmark]
    public string Cacheback_Wrap_Hit() => _cached.GetAsync(Key).Result;

    [Benchmark]
    public string Cacheback_Wrap_TaggedHit() => _tagged.GetAsync(Key).Result;
}
