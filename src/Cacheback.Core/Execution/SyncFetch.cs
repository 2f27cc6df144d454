using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The synchronous fetch of a read (<see cref="Effect{T}.FetchSync"/>): one per key in this process
/// (callers that arrive while it runs join it), bounded by the job's refresh timeout, its value stored
/// over the version the read found. Only the fetch's own exception reaches its callers.
/// </summary>
internal sealed class SyncFetch<TArgs, T>(JobFetch<TArgs, T> fetch, FreshWrites<TArgs, T> writes, JobTags<TArgs>? tags, JobTelemetry telemetry)
{
    private readonly SingleFlight<T> _flights = new();

    /// <summary>
    /// Joins or starts the fetch of <paramref name="key"/>; the caller's token only stops this caller waiting.
    /// When the read found the store failing (<paramref name="storeDown"/>), the value is returned
    /// without writing it back: a store that stopped answering would hold every caller a second
    /// timeout (issue 10, defect 12). The next read that finds the store answering fetches and stores.
    /// </summary>
    /// <remarks>A fetch that completed at once, stored by a store that answered at once, costs no await and no task.</remarks>
    public ValueTask<CacheRead<T>> RunAsync(string key, TArgs args, long expectedVersion, CacheStatus status, bool storeDown, CancellationToken cancellationToken)
    {
        var flight = _flights.Run(key, (Self: this, Key: key, Args: args, Expected: expectedVersion, Status: status, StoreDown: storeDown),
            static s => s.Self.FetchAndStoreAsync(s.Key, s.Args, s.Expected, s.Status, s.StoreDown), cancellationToken);
        return flight.IsCompletedSuccessfully ? new(new CacheRead<T>(flight.Result, status, true)) : ReadOf(flight, status);
    }

    private static async ValueTask<CacheRead<T>> ReadOf(ValueTask<T> flight, CacheStatus status) =>
        new(await flight.ConfigureAwait(false), status, true);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> FetchAndStoreAsync(string key, TArgs args, long expectedVersion, CacheStatus status, bool storeDown)
    {
        // One span per flight, however many callers share it; the caller that started it is its parent.
        using var activity = CachebackTracing.Start(CachebackTracing.Fetch, telemetry.Job, key);
        activity?.SetTag(CachebackTracing.StatusTag, status == CacheStatus.Miss ? "miss" : "stale");
        // The tags' stamp before the fetch runs; a book that cannot say leaves the value unstored
        // (it could not be shown fresh later), as a store that is down does.
        TagStamp? stamp = null;
        if (tags is not null && !storeDown)
        {
            try
            {
                stamp = await tags.StampAsync(args, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                telemetry.StoreFailed(key, "read tags", e);
                storeDown = true;
            }
        }

        T value;
        try
        {
            value = await fetch.WithinTimeoutAsync(key, args).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.FetchFailed(telemetry.Logger, telemetry.Job, key, e);
            telemetry.Publish(CacheEventKind.FetchFailed, key, error: e);
            activity.Failed(e, e is TimeoutException ? "timed_out" : "failed");
            throw;
        }

        if (storeDown)
        {
            activity.Ended("store_down_not_written");
            return value;
        }

        try
        {
            activity.Ended(CachebackTracing.Outcome(await writes.StoreAsync(key, args, value, expectedVersion, stamp, CancellationToken.None).ConfigureAwait(false)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            telemetry.StoreFailed(key, "write", e);
            // The callers get their value; the span says it was not kept.
            activity.Ended("store_failed");
        }

        return value;
    }
}
