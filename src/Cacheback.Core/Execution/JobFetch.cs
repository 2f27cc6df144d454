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
    /// How long the job's fetch takes, in ms: a moving average of the last few (each new one weighs a
    /// quarter), for the early-refresh rule. 0 until one is measured, or when fetches are cheap.
    /// </summary>
    public long AverageMs => Volatile.Read(ref _averageMs);

    /// <summary>
    /// The fetch, bounded by the refresh timeout (like a background refresh: a fetch that never
    /// returns must not hold its key, and the callers joined to it, forever). One timer both cancels
    /// the fetch and ends the wait, so a fetch that ignores its token is abandoned too.
    /// </summary>
    /// <param name="key">For the message of a timeout.</param>
    /// <param name="args">The fetch's arguments.</param>
    /// <param name="callerToken">Only an explicit refresh passes one: a fetch shared by readers never sees a caller's token.</param>
    /// <exception cref="TimeoutException">
    /// The timeout passed (issue 10, defect 11: not the cancellation it is made of, which callers
    /// who never cancelled would take for their own).
    /// </exception>
    /// <exception cref="OperationCanceledException">The caller cancelled (with their token).</exception>
    public async Task<T> WithinTimeoutAsync(string key, TArgs args, CancellationToken callerToken = default)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = callerToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(timer.Token, callerToken) : null;
        var token = linked?.Token ?? timer.Token;
        try
        {
            return await TimedAsync(args, token).WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (callerToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(callerToken);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Job '{job}': the fetch of key '{key}' did not finish within the refresh timeout ({timeout}) and was cancelled.", e);
        }
    }

    /// <summary>The fetch under <paramref name="cancellationToken"/> alone (the refresh pipeline times it out), timed.</summary>
    public async Task<T> TimedAsync(TArgs args, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var value = await fetch(args, cancellationToken).ConfigureAwait(false);
        var elapsed = time.GetElapsedTime(started);
        duration.Record(elapsed.TotalSeconds, tag);
        // Racing updates may lose one sample; an average needs no more.
        var ms = (long)elapsed.TotalMilliseconds;
        var average = Volatile.Read(ref _averageMs);
        Volatile.Write(ref _averageMs, average == 0 ? ms : average + ((ms - average) / 4));
        return value;
    }
}
