using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cacheback.Tests.CSharp.DependencyInjection;

/// <summary>The memory store's bounds from the <c>"Cacheback:MemoryStore"</c> section (issue 10, defect 8).</summary>
public class MemoryStoreSettingsTests
{
    [Fact]
    public async Task Start_MemoryStoreSettings_BoundTheDefaultAndTheNamedStores()
    {
        using var host = TestHost.Build(
            new() { ["Cacheback:MemoryStore:MaxEntries"] = "5000", ["Cacheback:MemoryStore:SweepInterval"] = "00:00:05", ["Cacheback:StoreNames:0"] = "secondary" },
            s => s.AddCacheback());

        await host.StartAsync();

        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        Assert.Equal(5_000, Assert.IsType<MemoryStore>(runtime.Store).MaxEntries);
        Assert.Equal(5_000, Assert.IsType<MemoryStore>(runtime.StoreNamed("secondary")).MaxEntries);
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_MemoryStoreSettingsOutOfBounds_FailNamingTheKeyAndTheLimit()
    {
        using var host = TestHost.Build(
            new() { ["Cacheback:MemoryStore:MaxEntries"] = "0", ["Cacheback:MemoryStore:SweepInterval"] = "60.00:00:00" },
            s => s.AddCacheback());

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Cacheback:MemoryStore:MaxEntries must be from 1 to 1,000,000,000 (was 0).", e.Failures);
        Assert.Contains("Cacheback:MemoryStore:SweepInterval must be from 00:00:00.0100000 to 1.00:00:00 (was 60.00:00:00).", e.Failures);
    }

    [Fact]
    public async Task Start_UnknownMemoryStoreKey_FailsNamingTheValidOnes()
    {
        using var host = TestHost.Build(new() { ["Cacheback:MemoryStore:MaxSize"] = "10" }, s => s.AddCacheback());

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("Cacheback:MemoryStore:MaxSize is not a setting", failure, StringComparison.Ordinal);
        Assert.Contains("MaxEntries", failure, StringComparison.Ordinal);
    }
}
