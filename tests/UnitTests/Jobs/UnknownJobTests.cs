using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.Jobs;

/// <summary>Issue 10, defect 16: an unknown job name is logged once, bounded, and is a distinct outcome.</summary>
public class UnknownJobTests
{
    private static RefreshRequest Request(string job, string key = "k") =>
        new(job, key, null, [], new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Dispatch_SameUnknownNameManyTimes_IsLoggedOnce()
    {
        var logs = new ListLoggerFactory();
        var registry = new JobRegistry(logs.CreateLogger("test"));

        for (var i = 0; i < 5; i++)
            Assert.Equal(RefreshResult.UnknownJob, await registry.DispatchAsync(Request("nobody.Registered", $"k{i}"), default));
        Assert.Equal(RefreshResult.UnknownJob, await registry.DispatchAsync(Request("another.One"), default));

        Assert.Single(logs.Entries, e => e.Message.Contains("nobody.Registered", StringComparison.Ordinal));
        Assert.Single(logs.Entries, e => e.Message.Contains("another.One", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dispatch_TenMegabyteName_LogsABoundedPrefixAndTheLength()
    {
        var logs = new ListLoggerFactory();
        var registry = new JobRegistry(logs.CreateLogger("test"));
        var huge = "x" + new string('y', 10 * 1024 * 1024);

        Assert.Equal(RefreshResult.UnknownJob, await registry.DispatchAsync(Request(huge, key: new string('k', 1_000_000)), default));

        var entry = Assert.Single(logs.Entries);
        Assert.True(entry.Message.Length < 1_000, $"a log line of {entry.Message.Length} characters");
        Assert.Contains("xyyy", entry.Message, StringComparison.Ordinal);
        Assert.Contains("10485761 characters", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_ManyDistinctUnknownNames_StopsLoggingEachPastTheBound()
    {
        var logs = new ListLoggerFactory();
        var registry = new JobRegistry(logs.CreateLogger("test"));

        for (var i = 0; i < 5_000; i++)
            await registry.DispatchAsync(Request($"job{i}"), default);

        Assert.True(logs.Entries.Count <= 1_001, $"{logs.Entries.Count} log lines");
    }

    [Fact]
    public async Task Worker_UnknownJobWithAHugeName_EveryLogLineIsBounded()
    {
        using var h = new Harness();
        var outcome = h.NextOutcome();
        var huge = new string('z', 10 * 1024 * 1024);

        await h.Runtime.QueueNamed(CachebackRuntimeOptions.DefaultName).EnqueueAsync(Request(huge));

        Assert.Equal(RefreshResult.UnknownJob, (await outcome.WaitAsync(TimeSpan.FromSeconds(30))).Result);
        Assert.NotEmpty(h.Logs.Entries);
        Assert.All(h.Logs.Entries, e => Assert.True(e.Message.Length < 1_000, $"a log line of {e.Message.Length} characters: {e.Message[..80]}"));
    }
}
