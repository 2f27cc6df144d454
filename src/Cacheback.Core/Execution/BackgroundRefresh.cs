namespace Cacheback;

/// <summary>
/// A job's background refreshes: claiming a read's refresh and enqueueing it, running the requests
/// the pipeline hands over, and refreshing here (one per key at a time) when the queue is down.
/// </summary>
internal sealed class BackgroundRefresh<TArgs, T>(
    IEnvelopeStore<T> store,
    IRefreshQueue queue,
    IPayloadSerializer<TArgs> argsSerializer,
    Clock clock,
    CallRules<TArgs> rules,
    JobFetch<TArgs, T> fetch,
    FreshWrites<TArgs, T> writes,
    JobTags<TArgs>? tags,
    JobTelemetry telemetry)
{
    private readonly SingleFlight<RefreshResult> _refreshesHere = new();

    /// <summary>Runs a refresh request taken from the queue (the pipeline calls this).</summary>
    public async Task<RefreshResult> RunAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var args = argsSerializer.Deserialize(request.Arguments);
        if (request.ExpectedVersion is { } expected && await ClaimSupersededAsync(request.Key, expected, cancellationToken).ConfigureAwait(false))
        {
            telemetry.Metrics.RefreshesSupersededBeforeFetch.Add(1, telemetry.Tag);
            return RefreshResult.SupersededBeforeFetch;
        }

        var stamp = tags is null ? null : (TagStamp?)await tags.StampAsync(args, cancellationToken).ConfigureAwait(false);
        var value = await fetch.TimedAsync(args, cancellationToken).ConfigureAwait(false);
        // A refresh the pipeline gave up on (timed out) must not land after its outcome was reported.
        cancellationToken.ThrowIfCancellationRequested();
        return await writes.StoreAsync(request.Key, args, value, request.ExpectedVersion, stamp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Carries out a read's <see cref="Effect{T}.ReturnAndEnqueue"/> behind it: the claim is a
    /// compare-and-set; only its winner enqueues. Nobody awaits this: failures are logged, not thrown.
    /// </summary>
    public async Task ClaimAndEnqueueAsync(string key, TArgs args, Claim<T> claim)
    {
        var version = Envelope.NewVersion();
        bool won;
        using (var activity = CachebackTracing.Start(CachebackTracing.Claim, telemetry.Job, key))
        {
            try
            {
                won = await store.CompareAndSetAsync(key, claim.ExpectedVersion, claim.ToEnvelope(version), claim.Ttl).ConfigureAwait(false);
                activity.Ended(won ? "won" : "lost");
            }
#pragma warning disable CA1031 // Nobody awaits this task: whatever the store throws is logged here.
            catch (Exception e)
#pragma warning restore CA1031
            {
                telemetry.StoreFailed(key, "claim", e);
                // The reply may be what was lost (a timeout) while the claim landed: then it is ours,
                // and without a refresh the key would wait out the whole lease.
                won = await ClaimLandedAsync(key, version).ConfigureAwait(false);
                activity.Failed(e, won ? "won" : "failed");
            }
        }

        if (!won)
            return;
        // A memory store claims synchronously, on the reader's thread: leave it before encoding the
        // arguments (the first JSON serialization in a process costs tens of ms) and enqueueing.
        await Task.Yield();
        if (await TryEnqueueAsync(key, args, version, CancellationToken.None).ConfigureAwait(false))
            return;
        // The queue is down: refresh here (already off the reader's thread).
        await RefreshHereAsync(key, args, version, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Enqueues a refresh that lands only over <paramref name="expected"/>; refreshes here when the queue will not take it.</summary>
    public async Task EnqueueOrRefreshHereAsync(string key, TArgs args, long expected, CancellationToken cancellationToken)
    {
        if (!await TryEnqueueAsync(key, args, expected, cancellationToken).ConfigureAwait(false))
            await RefreshHereAsync(key, args, expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the claim a queued refresh carries is no longer the stored one (issue 10, defect 6):
    /// its compare-and-set would fail, so the backend must not be called for it. Under load a late
    /// refresh is often superseded, and fetching anyway feeds the load. A store that cannot say
    /// leaves the decision to the compare-and-set.
    /// </summary>
    private async Task<bool> ClaimSupersededAsync(string key, long expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            return Decide.Next(new Command<T>.RunRefresh(expectedVersion), clock.NowMs(), stored, rules.Policy) is Effect<T>.Superseded;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            telemetry.StoreFailed(key, "read", e);
            return false;
        }
    }

    private async Task<bool> ClaimLandedAsync(string key, long version)
    {
        try
        {
            return (await store.ReadAsync(key).ConfigureAwait(false))?.Version == version;
        }
#pragma warning disable CA1031 // Still unreachable: nothing claimed as far as we know; the next read after the lease tries again.
        catch
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>Enqueues a refresh; false (logged, reported) when the queue would not take it.</summary>
    private async Task<bool> TryEnqueueAsync(string key, TArgs args, long? expectedVersion, CancellationToken cancellationToken)
    {
        // Counted as started whichever way it runs: through the queue, or here when the queue refuses.
        telemetry.Metrics.RefreshesStarted.Add(1, telemetry.Tag);
        try
        {
            var request = new RefreshRequest(telemetry.Job, key, expectedVersion, argsSerializer.Serialize(args), clock.Now());
            await queue.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.QueueFailed(telemetry.Logger, telemetry.Job, key, e);
            telemetry.Publish(CacheEventKind.QueueFailed, key, error: e);
            return false;
        }

        telemetry.Publish(CacheEventKind.RefreshEnqueued, key);
        return true;
    }

    /// <summary>
    /// The fallback when the queue is down: fetch and store here. Issue 10, defect 5: one such
    /// refresh per key at a time (callers for a key that has one running join it), bounded by the
    /// job's refresh timeout; <paramref name="cancellationToken"/> only stops this caller waiting.
    /// Failures are logged, never thrown.
    /// </summary>
    private async Task RefreshHereAsync(string key, TArgs args, long? expectedVersion, CancellationToken cancellationToken) =>
        await _refreshesHere.Run(key, (Self: this, Key: key, Args: args, Expected: expectedVersion), static s => s.Self.RefreshHereOnceAsync(s.Key, s.Args, s.Expected), cancellationToken)
            .ConfigureAwait(false);

    private async ValueTask<RefreshResult> RefreshHereOnceAsync(string key, TArgs args, long? expectedVersion)
    {
        using var activity = CachebackTracing.Start(CachebackTracing.Refresh, telemetry.Job, key);
        activity?.SetTag("cacheback.refresh.here", true);
        try
        {
            var stamp = tags is null ? null : (TagStamp?)await tags.StampAsync(args, CancellationToken.None).ConfigureAwait(false);
            var value = await fetch.WithinTimeoutAsync(key, args).ConfigureAwait(false);
            var result = await writes.StoreAsync(key, args, value, expectedVersion, stamp, CancellationToken.None).ConfigureAwait(false);
            if (result == RefreshResult.Succeeded)
                telemetry.Metrics.RefreshesSucceeded.Add(1, telemetry.Tag);
            activity.Ended(result);
            telemetry.Publish(CacheEventKind.RefreshCompleted, key, result: result);
            return result;
        }
#pragma warning disable CA1031 // The caller asked for a background refresh: it never sees this failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var result = e is TimeoutException ? RefreshResult.TimedOut : RefreshResult.Failed;
            activity.Failed(e, CachebackTracing.Outcome(result));
            Log.FallbackRefreshFailed(telemetry.Logger, telemetry.Job, key, e);
            telemetry.Metrics.RefreshesFailed.Add(1, telemetry.Tag);
            telemetry.Publish(CacheEventKind.RefreshCompleted, key, error: e, result: result);
            return result;
        }
    }
}
