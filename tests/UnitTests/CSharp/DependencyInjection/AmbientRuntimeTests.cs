using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.CSharp.DependencyInjection;

public class AmbientRuntimeTests
{
    public sealed class AmbientReportJob : Job<string, string>
    {
        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(args);
    }

    private static bool Reported(ListLoggerFactory logs, string job) =>
        logs.Entries.Any(e => e is { Category: "Cacheback", Level: LogLevel.Warning } && e.Message.Contains($"Job '{job}' was made on CachebackRuntime.Default", StringComparison.Ordinal));

    [Fact]
    public void CacheWrap_WithoutARuntime_WhileAHostedRuntimeLives_IsAWarningInTheHostsLog()
    {
        var logs = new ListLoggerFactory();
        var name = $"ambient-{Guid.NewGuid():N}";
        using (var host = TestHost.Build([], s => s.AddCacheback(), logs))
        {
            _ = host.Services.GetRequiredService<CachebackRuntime>();

            using var cached = Cache.Wrap<string, string>((s, _) => Task.FromResult(s), name: name);

            Assert.True(Reported(logs, name));
        }

        // The host is gone: code without one may use the default runtime, unreported.
        var after = $"ambient-{Guid.NewGuid():N}";
        using var later = Cache.Wrap<string, string>((s, _) => Task.FromResult(s), name: after);
        Assert.False(Reported(logs, after));
    }

    [Fact]
    public void CacheWrap_WithoutARuntime_BeforeTheHostIsBuilt_IsReportedWhenItsRuntimeIs()
    {
        var logs = new ListLoggerFactory();
        var name = $"ambient-early-{Guid.NewGuid():N}";
        using var early = Cache.Wrap<string, string>((s, _) => Task.FromResult(s), name: name); // a static field, say
        using var host = TestHost.Build([], s => s.AddCacheback(), logs);

        _ = host.Services.GetRequiredService<CachebackRuntime>();

        Assert.True(Reported(logs, name));
    }

    [Fact]
    public async Task Job_NotRegisteredWithTheHost_IsAWarningInTheHostsLog()
    {
        var logs = new ListLoggerFactory();
        using var host = TestHost.Build([], s => s.AddCacheback(), logs);
        _ = host.Services.GetRequiredService<CachebackRuntime>();

        Assert.Equal("x", await new AmbientReportJob().GetAsync("x"));

        Assert.True(Reported(logs, typeof(AmbientReportJob).FullName!.Replace('+', '.')));
    }

    [Fact]
    public async Task CachedFetch_MadeThroughTheServices_IsNotReported()
    {
        var logs = new ListLoggerFactory();
        using var host = TestHost.Build([], s => s.AddCachedFetch<string, string>("through-the-services", (_, a, _) => Task.FromResult(a)), logs);
        await host.StartAsync();

        Assert.Equal("x", await host.Services.GetRequiredKeyedService<CachedFetch<string, string>>("through-the-services").GetAsync("x"));

        Assert.False(Reported(logs, "through-the-services"));
        await host.StopAsync();
    }
}
