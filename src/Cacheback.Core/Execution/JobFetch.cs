using System.Diagnostics.Metrics;

namespace Cacheback;

/// <summary>
/// A job's fetch as the executor runs it: timed (the <c>cacheback.fetch.duration</c> histogram), and
/// bounded by the job's refresh timeout on the runtime's clock.
/// </summary>
internal sealed class JobFetch<TArgs, T>(
    string job, Func<TArgs, CancellationToken, Task<T>> fetch, TimeSpan timeout, TimeProvider time, Histogram<double> duration, KeyValuePair<string, object?> tag)
{
    private long _averageMs;

    /// <summary>
    /// How long the job's fetch takes, in ms (<see cref="Decide.FetchAverage"/>), for the early-refresh
    /// rule. 0 until one is measured, or when fetches are cheap.
    /// </summary>
    public long AverageMs => Volatile.Read(ref _averageMs);

    /// <summary>
    /// The fetch, bounded by the refresh timeout (like a background refresh: a fetch that never
    /// returns must not hold its key, and the callers joined to it, forever). One timer both cancels
    /// the fetch and ends the wait, so a fetch that ignores its token is abandoned too. The timer is
    /// set only when the fetch has not finished by the time it returns (for the time left from its
    /// start): a fetch that answers at once (from memory, say) costs no timer.
    /// </summary>
    /// <param name="key">For the message of a timeout.</param>
    /// <param name="args">The fetch's arguments.</param>
    /// <param name="callerToken">Only an explicit refresh passes one: a fetch shared by readers never sees a caller's token.</param>
    /// <exception cref="TimeoutException">
    /// The timeout passed (issue 10, defect 11: not the cancellation it is made of, which callers
    /// who never cancelled would take for their own).
    /// </exception>
    /// <exception cref="OperationCanceledException">The caller cancelled (with their token).</exception>
    public ValueTask<T> WithinTimeoutAsync(string key, TArgs args, CancellationToken callerToken = default)
    {
        if (callerToken.CanBeCanceled)
            return new(WithinTimeoutOrCancelledAsync(key, args, callerToken));
        var timer = new CancellationTokenSource();
        var started = time.GetTimestamp();
        Task<T> fetching;
        try
        {
            fetching = fetch(args, timer.Token);
        }
#pragma warning disable CA1031 // As an async fetch's would: the exception is the task's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            fetching = Task.FromException<T>(e);
        }

        if (!fetching.IsCompleted)
            return new(WaitWithinTimeoutAsync(key, fetching, timer, started));
        timer.Dispose();
        if (!fetching.IsCompletedSuccessfully)
            return new(fetching);
        Measured(started);
        return new(fetching.Result);
    }

    /// <summary>The fetch under <paramref name="cancellationToken"/> alone (the refresh pipeline times it out), timed.</summary>
    public async Task<T> TimedAsync(TArgs args, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var value = await fetch(args, cancellationToken).ConfigureAwait(false);
        Measured(started);
        return value;
    }

    /// <summary>A fetch still running when it returned: its timer is set for what is left of the timeout.</summary>
    private async Task<T> WaitWithinTimeoutAsync(string key, Task<T> fetching, CancellationTokenSource timer, long started)
    {
        var left = timeout - time.GetElapsedTime(started);
        // Spent already before the fetch returned: cancelled now, with no timer.
        if (left <= TimeSpan.Zero)
            await timer.CancelAsync().ConfigureAwait(false);
        using var cancelling = left > TimeSpan.Zero
            ? time.CreateTimer(static source => ((CancellationTokenSource)source!).Cancel(), timer, left, Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            var value = await fetching.WaitAsync(timer.Token).ConfigureAwait(false);
            Measured(started);
            return value;
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested)
        {
            throw TimedOut(key, e);
        }
        finally
        {
            // The timer first: a callback that runs now finds the source still there.
            if (cancelling is not null)
                await cancelling.DisposeAsync().ConfigureAwait(false);
            timer.Dispose();
        }
    }

    /// <summary>An explicit refresh's fetch: bounded by the timeout and by its caller's token.</summary>
    private async Task<T> WithinTimeoutOrCancelledAsync(string key, TArgs args, CancellationToken callerToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, callerToken);
        try
        {
            return await TimedAsync(args, linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (callerToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(callerToken);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested)
        {
            throw TimedOut(key, e);
        }
    }

    private TimeoutException TimedOut(string key, Exception cancelled) =>
        new($"Job '{job}': the fetch of key '{key}' did not finish within the refresh timeout ({timeout}) and was cancelled.", cancelled);

    private void Measured(long started)
    {
        var elapsed = time.GetElapsedTime(started);
        duration.Record(elapsed.TotalSeconds, tag);
        // Racing updates may lose one sample; an average needs no more.
        var ms = (long)elapsed.TotalMilliseconds;
        Volatile.Write(ref _averageMs, Decide.FetchAverage(Volatile.Read(ref _averageMs), ms));
    }
}
