using BenchmarkDotNet.Attributes;
using Cacheback.Hybrid;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace Cacheback.Benchmarks.Hybrid;

/// <summary>
/// A fresh hit through each HybridCache-shaped cache, in process, string values (HybridCache
/// returns them without a defensive copy): Microsoft's HybridCache, FusionCache with its
/// recommended resilience settings, and Cacheback.Hybrid. Issue 12's target: Cacheback's hit
/// within 1.2x of Microsoft's.
/// </summary>
[MemoryDiagnoser]
public class HybridHitBenchmarks
{
    private const string Key = "user:42";
    private static readonly Func<CancellationToken, ValueTask<string>> Factory = static _ => new ValueTask<string>("Ada");
    private static readonly HybridCacheEntryOptions Options = new() { Expiration = TimeSpan.FromDays(1), LocalCacheExpiration = TimeSpan.FromDays(1) };
    private ServiceProvider _microsoftServices = null!;
    private HybridCache _microsoft = null!;
    private FusionCache _fusion = null!;
    private FusionCacheEntryOptions _fusionOptions = null!;
    private ServiceProvider _cachebackServices = null!;
    private HybridCache _cacheback = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _microsoftServices = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        _microsoft = _microsoftServices.GetRequiredService<HybridCache>();
        _fusionOptions = HybridScenarioCaches.FusionEntryOptions(TimeSpan.FromDays(1));
        _fusion = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = _fusionOptions });
        _cachebackServices = new ServiceCollection().AddCachebackHybridCache().BuildServiceProvider();
        _cacheback = _cachebackServices.GetRequiredService<HybridCache>();
        await _microsoft.GetOrCreateAsync(Key, Factory, Options);
        await _fusion.GetOrSetAsync<string>(Key, static (_, _) => Task.FromResult("Ada"), options: _fusionOptions);
        await _cacheback.GetOrCreateAsync(Key, Factory, Options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _microsoftServices.Dispose();
        _fusion.Dispose();
        _cachebackServices.Dispose();
    }

    // Hits complete synchronously: reading the result keeps await machinery out of the figures.
    [Benchmark(Baseline = true)]
    public string Microsoft_HybridCache_Hit() => _microsoft.GetOrCreateAsync(Key, Factory, Options).GetAwaiter().GetResult();

    [Benchmark]
    public string FusionCache_Hit() => _fusion.GetOrSetAsync<string>(Key, static (_, _) => Task.FromResult("Ada"), options: _fusionOptions).GetAwaiter().GetResult();

    [Benchmark]
    public string Cacheback_Hybrid_Hit() => _cacheback.GetOrCreateAsync(Key, Factory, Options).GetAwaiter().GetResult();
}
