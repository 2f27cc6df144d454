using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cacheback.Tests.CSharp.DependencyInjection;

public class AddCachebackWorkerTests
{
    [Fact]
    public async Task AddCachebackWorker_RunsRefreshesWhateverTheSettingsSay_AndSaysWhichJobs()
    {
        var logs = new ListLoggerFactory();
        using var host = TestHost.Build(
            new() { ["Cacheback:RunRefreshWorker"] = "false" }, // the web node's settings, shared
            s => s.AddCachedFetch<string, string>("worker-job", (_, a, _) => Task.FromResult(a)).AddCachebackWorker(),
            logs);

        await host.StartAsync();

        Assert.True(host.Services.GetRequiredService<IOptions<CachebackOptions>>().Value.RunRefreshWorker);
        Assert.Contains(logs.Entries, e => e is { Category: "Cacheback.Worker", Level: LogLevel.Information } && e.Message == "Cacheback worker: refreshing 1 jobs (worker-job)");
        // Only in-process queues here: nothing from another process can reach it, and it says so.
        Assert.Contains(logs.Entries, e => e is { Category: "Cacheback.Worker", Level: LogLevel.Warning } && e.Message.Contains("every queue is in-process", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCachebackWorker_WithoutJobs_Warns()
    {
        var logs = new ListLoggerFactory();
        using var host = TestHost.Build([], s => s.AddCachebackWorker(), logs);

        await host.StartAsync();

        Assert.Contains(logs.Entries, e => e is { Category: "Cacheback.Worker", Level: LogLevel.Warning } && e.Message.Contains("no job is registered", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddCacheback_WithoutAddCachebackWorker_SaysNothingOfAWorker()
    {
        var logs = new ListLoggerFactory();
        using var host = TestHost.Build([], s => s.AddCacheback(), logs);

        await host.StartAsync();

        Assert.DoesNotContain(logs.Entries, e => e.Category == "Cacheback.Worker");
        await host.StopAsync();
    }
}
