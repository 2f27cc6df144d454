using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.CSharp.DependencyInjection;

/// <summary>What AddCacheback builds: a runtime that refreshes without a host, attaches every job, and checks its settings when built.</summary>
public class RuntimeRegistrationTests
{
    [Fact]
    public async Task AddCacheback_WithoutAHost_StillRefreshes()
    {
        var services = new ServiceCollection();
        services.AddCacheback(o => o.Policy = o.Policy.With(fetchOnMiss: false));
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<CachebackRuntime>();
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: runtime, name: "no-host");
        var filled = System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(runtime.Outcomes));

        Assert.Null(await cached.GetAsync("a"));

        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal("a", await cached.GetAsync("a"));
    }

    public sealed class PolicyInConstructorJob : Job<string, string>
    {
        public PolicyInConstructorJob() => ConstructedWith = Policy;

        public Policy ConstructedWith { get; }

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }

    [Fact]
    public async Task AddCachebackJob_AttachesEvenAJobRegisteredBefore_OrOneReadingItsPolicyEarly()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(new JobInstanceTests.CountingJob());
        builder.Services.AddCacheback();
        builder.Services.AddCachebackJob<JobInstanceTests.CountingJob>();
        builder.Services.AddCachebackJob<PolicyInConstructorJob>();
        using var host = builder.Build();
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();

        Assert.Same(runtime, host.Services.GetRequiredService<JobInstanceTests.CountingJob>().Runtime);
        Assert.Same(runtime, host.Services.GetRequiredService<PolicyInConstructorJob>().Runtime);
        await host.StopAsync();
    }

    [Fact]
    public void StoreNames_FromConfigurationAndCodeAlike_AreOneStore()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cacheback:StoreNames:0"] = "secondary" });
        builder.Services.AddCacheback(o => o.StoreNames.Add("secondary"));
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetRequiredService<CachebackRuntime>().StoreNamed("secondary"));
    }

    [Fact]
    public void NegativeDrainTimeout_FailsWhenTheRuntimeIsBuilt()
    {
        var services = new ServiceCollection();
        services.AddCacheback(o => o.DrainTimeout = TimeSpan.FromSeconds(-1));
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<CachebackRuntime>());
        Assert.Contains("Cacheback:DrainTimeout must not be negative (was -00:00:01).", e.Failures);
    }
}
