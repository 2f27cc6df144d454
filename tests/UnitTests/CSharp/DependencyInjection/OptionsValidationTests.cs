using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cacheback.Tests.CSharp.DependencyInjection;

public class OptionsValidationTests
{
    private static async Task<OptionsValidationException> StartFails(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        using var host = TestHost.Build(settings, s => { s.AddCacheback(); services?.Invoke(s); });
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task Start_ValuesOutOfRange_FailNamingEachKeyAndValue()
    {
        var e = await StartFails(new() { ["Cacheback:MaxConcurrentRefreshes"] = "0", ["Cacheback:Lifetime"] = "00:00:00" });

        Assert.Equal(typeof(CachebackOptions), e.OptionsType);
        Assert.Contains("Cacheback:MaxConcurrentRefreshes must be positive (was 0).", e.Failures);
        Assert.Contains("Cacheback:Lifetime must be at least 1 ms, but was 00:00:00.", e.Failures);
    }

    [Fact]
    public async Task Start_ValuesOfTheWrongType_FailNamingEachKeyAndValue()
    {
        var e = await StartFails(new() { ["Cacheback:Lifetime"] = "soon", ["Cacheback:FetchOnMiss"] = "sometimes" });

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:Lifetime is 'soon', which is not a duration", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:FetchOnMiss is 'sometimes', which is not true or false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ThresholdsThatMakeNoPolicy_FailNamingEachKey()
    {
        var e = await StartFails(new() { ["Cacheback:Lifetime"] = "00:10:00", ["Cacheback:FetchOnStaleThreshold"] = "00:05:00", ["Cacheback:LifetimeJitter"] = "0.9" });

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:FetchOnStaleThreshold (00:05:00) must be longer than Lifetime (00:10:00)", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:LifetimeJitter must be between 0 and", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PolicyAsASection_IsNotASetting()
    {
        // The thresholds are flat keys ("Cacheback:Lifetime"); a "Policy" section would be ignored.
        var e = await StartFails(new() { ["Cacheback:Policy:Lifetime"] = "00:01:00", ["Cacheback:EarlyRefreshBeta"] = "often" });

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:Policy is not a setting", StringComparison.Ordinal) && f.Contains("EarlyRefreshBeta", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:EarlyRefreshBeta is 'often', which is not a Double", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_UnknownKey_FailsNamingItAndTheValidOnes()
    {
        // The name README.md once gave beside the real one: it used to be ignored.
        var e = await StartFails(new() { ["Cacheback:RunRefreshes"] = "false" });

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("Cacheback:RunRefreshes is not a setting", failure, StringComparison.Ordinal);
        Assert.Contains("RunRefreshWorker", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RefreshFetchTimeout_IsNoSettingAnyMore_AndFailsRatherThanBeingIgnored()
    {
        // It only bounded refreshes of unregistered jobs (every job times its own): folded away.
        var e = await StartFails(new() { ["Cacheback:RefreshFetchTimeout"] = "00:00:30" });

        Assert.StartsWith("Cacheback:RefreshFetchTimeout is not a setting", Assert.Single(e.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownNestedKey_FailsNamingItsPath()
    {
        var e = await StartFails(new() { ["Cacheback:StoreNames:first"] = "secondary", ["Cacheback:Lifetime:Minutes"] = "5" });

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:StoreNames:first: Cacheback:StoreNames is a list, numbered from 0", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:Lifetime is one value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_StoresFromConfiguration_AreNotASetting()
    {
        // Stores are objects given in code; the configuration names in-memory ones with StoreNames.
        var e = await StartFails(new() { ["Cacheback:Stores:secondary"] = "memory" });

        var failure = Assert.Single(e.Failures);
        Assert.StartsWith("Cacheback:Stores is not a setting", failure, StringComparison.Ordinal);
        Assert.Contains("StoreNames", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RedisSectionWithoutAddCachebackRedis_IsReported()
    {
        var e = await StartFails(new() { ["Cacheback:Redis:Configuration"] = "localhost:6379" });

        Assert.Contains(e.Failures, f => f.StartsWith("Cacheback:Redis is not a setting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_EveryProblem_InOneException()
    {
        var e = await StartFails(new() { ["Cacheback:QueueCapacity"] = "-1", ["Cacheback:Lifetim"] = "00:01:00", ["Cacheback:DrainTimeout"] = "-00:00:01" });

        Assert.Equal(3, e.Failures.Count());
    }

    [Fact]
    public async Task Start_GoodSettings_StartAndBind()
    {
        using var host = TestHost.Build(
            new() { ["Cacheback:lifetime"] = "00:00:30", ["Cacheback:RunRefreshWorker"] = "true", ["Cacheback:QueueNames:0"] = "reports", ["Other:Key"] = "x" },
            s => s.AddCacheback());

        await host.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(30), host.Services.GetRequiredService<CachebackRuntime>().Options.DefaultPolicy.Lifetime);
        await host.StopAsync();
    }

    [Fact]
    public void Options_BadValueGivenInCode_FailsWhenFirstRead()
    {
        using var host = TestHost.Build([], s => s.AddCacheback(o => o.MaxConcurrentRefreshes = -2));

        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CachebackRuntime>());
        Assert.Contains("Cacheback:MaxConcurrentRefreshes must be positive (was -2).", e.Failures);
    }
}
