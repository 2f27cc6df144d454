using System.Globalization;

namespace Cacheback.Soak;

/// <summary>
/// Counts the runtime's refresh outcomes (<see cref="CachebackRuntime.Outcomes"/>) by result, and
/// how long each request waited between its enqueue and the start of its refresh (the time a
/// claim spends in the queue and the worker, before the fetch), with the last few of each key.
/// </summary>
public sealed class OutcomeTally(SoakCounters counters, TimeProvider time) : IObserver<RefreshOutcome>
{
    public void OnNext(RefreshOutcome value)
    {
        counters.Add(SoakCounters.OutcomePrefix + value.Result);
        var endedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var enqueuedMs = value.Request.EnqueuedAt.ToUnixTimeMilliseconds();
        var startedMs = endedMs - (long)value.Duration.TotalMilliseconds;
        var waitMs = Math.Max(0, startedMs - enqueuedMs);
        counters.Add(SoakCounters.WaitCounter(waitMs));
        counters.RecordRefresh(value.Request.Key, string.Create(CultureInfo.InvariantCulture,
            $"enqueued {enqueuedMs}, started +{startedMs - enqueuedMs} ms, ended +{endedMs - enqueuedMs} ms: {value.Result}, attempt {value.Request.Attempt}, pid {Environment.ProcessId}"));
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }
}
