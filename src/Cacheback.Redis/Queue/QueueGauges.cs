namespace Cacheback;

/// <summary>
/// A queue's gauges (depth, dead letters) for the runtime's meter. A gauge is read on the
/// collector's thread, which must not wait for Redis: each read answers with the counts last
/// sampled and starts the next sample (one at a time), so a gauge lags one collection behind.
/// </summary>
internal sealed class QueueGauges(Func<Task<RedisQueueCounts>> counts)
{
    private RedisQueueCounts? _sampled;
    private Task _sampling = Task.CompletedTask;
    private int _sampleRunning;

    /// <summary>The sample running or last run (tests await it instead of sleeping).</summary>
    public Task Sampling => Volatile.Read(ref _sampling);

    /// <summary>The counts last sampled (null before the first sample lands); starts a sample unless one runs.</summary>
    public RedisQueueCounts? SampleCounts()
    {
        // Read before the next sample starts: a reply quick enough to land before this returns
        // would otherwise make the answer depend on the thread's luck.
        var last = Volatile.Read(ref _sampled);
        if (Interlocked.CompareExchange(ref _sampleRunning, 1, 0) == 0)
            Volatile.Write(ref _sampling, SampleAsync());
        return last;
    }

    private async Task SampleAsync()
    {
        try
        {
            Volatile.Write(ref _sampled, await counts().ConfigureAwait(false));
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            // Keep the last counts: the take loop and the health check report the outage.
        }
        finally
        {
            Volatile.Write(ref _sampleRunning, 0);
        }
    }
}
