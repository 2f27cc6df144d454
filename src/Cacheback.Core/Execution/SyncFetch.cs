using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The synchronous fetch of a read (<see cref="Effect{T}.FetchSync"/>): one per key in this process
/// (callers that arrive while it runs join it), bounded by the job's refresh timeout, its value stored
/// over the version the read found. Only the fetch's own exception reaches its callers.
/// </summary>
internal sealed class SyncFetch<TArgs, T>(JobFetch<TArgs, T> fetch, FreshWrites<TArgs, T> writes, JobTags<TArgs>? tags, Clock clock, CallRules<TArgs> rules, JobTelemetry telemetry)
{
    private readonly SingleFlight<T> _flights = new();

    /// <summary>
    /// Joins or starts the fetch of <paramref name="key"/>; the caller's token only stops this caller waiting.
    /// Without <paramref name="writeBack"/> (Decide's answer to a read that found the store failing),
    /// the value is returned without writing it back. The next read that finds the store answering fetches and stores.
    /// </summary>
    /// <remarks>A fetch that completed at once, stored by a store that answered at once, costs no await and no task.</remarks>
    public ValueTask<CacheRead<T>> RunAsync(string key, TArgs args, long expectedVersion, CacheStatus status, bool writeBack, CancellationToken cancellationToken)
    {
        var flight = _flights.Run(key, (Self: this, Key: key, Args: args, Expected: expectedVersion, Status: status, WriteBack: writeBack),
            static s => s.Self.FetchAndStoreAsync(s.Key, s.Args, s.Expected, s.Status, s.WriteBack), cancellationToken);
        return flight.IsCompletedSuccessfully ? new(new CacheRead<T>(flight.Result, status, true)) : ReadOf(flight, status);
    }

    private static async ValueTask<CacheRead<T>> ReadOf(ValueTask<T> flight, CacheStatus status) =>
        new(await flight.ConfigureAwait(false), status, true);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> FetchAndStoreAsync(string key, TArgs args, long expectedVersion, CacheStatus status, bool writeBack)
    {
        // One span per flight, however many callers share it; the caller that started it is its parent.
        using var activity = CachebackTracing.Start(CachebackTracing.Fetch, telemetry.Job, key);
        activity?.SetTag(CachebackTracing.StatusTag, status == CacheStatus.Miss ? "miss" : "stale");
        // The tags' stamp before the fetch runs; when the book cannot say, Decide says whether the value is still written back.
        TagStamp? stamp = null;
        if (tags is not null && writeBack)
        {
            try
            {
                stamp = await tags.StampAsync(args, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                telemetry.StoreFailed(key, "read tags", e);
                writeBack = Decide.Next(new Command<T>.TagsUnavailable(status, expectedVersion), clock.NowMs(), null, rules.Policy) is Effect<T>.FetchSync { WriteBack: true };
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

        if (!writeBack)
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
