using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Cacheback.Tests.Observability.OpenTelemetry;

/// <summary>A processor that lets a test await the end of a span of one job instead of sleeping (added after the exporter, it runs after it).</summary>
internal sealed class SpanWaiter(string job) : BaseProcessor<Activity>
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Activity>> _ended = new();

    /// <summary>The first span of that name to end (the one already ended, or the next).</summary>
    public Task<Activity> Ended(string name) => Slot(name).Task.WaitAsync(TimeSpan.FromSeconds(10));

    public override void OnEnd(Activity data)
    {
        if (Equals(data.GetTagItem("cacheback.job"), job))
            Slot(data.OperationName).TrySetResult(data);
    }

    private TaskCompletionSource<Activity> Slot(string name) =>
        _ended.GetOrAdd(name, _ => new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously));
}
