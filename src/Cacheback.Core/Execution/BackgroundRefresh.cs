namespace Cacheback;

/// <summary>
/// A job's background refreshes: claiming a read's refresh and enqueueing it, running the requests
/// the pipeline hands over, and, when the queue refuses one, handing it to the runtime's local lane:
/// the same request, run here by the same pipeline (one per claim, timed, bounded).
/// The lane's refreshes run within the job's refresh timeout.
/// </summary>
internal sealed class BackgroundRefresh<TArgs, T>(
    IEnvelopeStore<T> store,
    IRefreshQueue queue,
    LocalLane lane,
    TimeSpan refreshTimeout,
    IPayloadSerializer<TArgs> argsSerializer,
    Clock clock,
    CallRules<TArgs> rules,
    JobFetch<TArgs, T> fetch,
    FreshWrites<TArgs, T> writes,
    JobTags<TArgs>? tags,
    JobTelemetry telemetry)
{
    /// <summary>Runs a refresh request taken from the queue (the pipeline calls this).</summary>
    public Task<RefreshResult> RunAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(request.Key, argsSerializer.Deserialize(request.Arguments), request.ExpectedVersion, cancellationToken);
    }

    /// <summary>A refresh, from the queue or the local lane: unless its claim is gone, fetch and store over it.</summary>
    private async Task<RefreshResult> RunAsync(string key, TArgs args, long? expectedVersion, CancellationToken cancellationToken)
    {
        if (expectedVersion is { } expected && await ClaimSupersededAsync(key, expected, cancellationToken).ConfigureAwait(false))
        {
            telemetry.Metrics.RefreshesSupersededBeforeFetch.Add(1, telemetry.Tag);
            return RefreshResult.SupersededBeforeFetch;
        }

        var stamp = tags is null ? null : (TagStamp?)await tags.StampAsync(args, cancellationToken).ConfigureAwait(false);
        var value = await fetch.TimedAsync(args, cancellationToken).ConfigureAwait(false);
        // A refresh the pipeline gave up on (timed out) must not land after its outcome was reported.
        cancellationToken.ThrowIfCancellationRequested();
        return await writes.StoreAsync(key, args, value, expectedVersion, stamp, cancellationToken).ConfigureAwait(false);
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
        if (await TryEnqueueAsync(key, args, version, CancellationToken.None).ConfigureAwait(false) is { } refused)
            await RefreshHereAsync(refused, args, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Enqueues a refresh that lands only over <paramref name="expected"/>; when the queue will not take
    /// it, refreshes here through the local lane and waits for its outcome (<paramref name="cancellationToken"/>
    /// stops only the wait: the refresh carries on).
    /// </summary>
    public async Task EnqueueOrRefreshHereAsync(string key, TArgs args, long expected, CancellationToken cancellationToken)
    {
        if (await TryEnqueueAsync(key, args, expected, cancellationToken).ConfigureAwait(false) is { } refused)
            await RefreshHereAsync(refused, args, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Enqueues a refresh; null once the queue took it, else the request it refused (logged, reported).</summary>
    private async Task<RefreshRequest?> TryEnqueueAsync(string key, TArgs args, long? expectedVersion, CancellationToken cancellationToken)
    {
        // Counted as started whichever way it runs: through the queue, or here when the queue refuses.
        telemetry.Metrics.RefreshesStarted.Add(1, telemetry.Tag);
        // Without its arguments' bytes (the serializer refused them), it can still run here, with the arguments themselves.
        var request = new RefreshRequest(telemetry.Job, key, expectedVersion, [], clock.Now());
        try
        {
            request = request with { Arguments = argsSerializer.Serialize(args) };
            await queue.EnqueueAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.QueueFailed(telemetry.Logger, telemetry.Job, key, e);
            telemetry.Publish(CacheEventKind.QueueFailed, key, error: e);
            return request;
        }

        telemetry.Publish(CacheEventKind.RefreshEnqueued, key);
        return null;
    }

    /// <summary>
    /// The fallback when the queue refused <paramref name="request"/>: the runtime's local lane runs it
    /// here, as the worker would have run it from the queue (the same claim check, fetch and
    /// compare-and-set), with the arguments themselves (not their bytes, which the serializer may have refused), through the same pipeline: one run per claim, within the
    /// job's refresh timeout, bounded with every other refresh run here. The pipeline counts and
    /// publishes its outcome; this logs a failure. A full lane refuses it: logged, and the refresh is
    /// dropped (its lease runs out, and the next read after it claims again).
    /// <paramref name="cancellationToken"/> only stops this caller waiting. Never throws otherwise.
    /// </summary>
    private Task RefreshHereAsync(RefreshRequest request, TArgs args, CancellationToken cancellationToken)
    {
        if (lane.TryRun(request, token => RunAsync(request.Key, args, request.ExpectedVersion, token), refreshTimeout) is not { } running)
        {
            Log.FallbackRefreshFailed(telemetry.Logger, telemetry.Job, request.Key,
                new RefreshQueueUnavailableException($"The local refresh lane is full ({lane.Capacity} refreshes waiting) or its worker has stopped; the refresh is dropped."));
            return Task.CompletedTask;
        }

        // Logged whether or not the caller still waits.
        return LogFailureAsync(request.Key, running).WaitAsync(cancellationToken);
    }

    private async Task LogFailureAsync(string key, Task<RefreshOutcome> running)
    {
        var outcome = await running.ConfigureAwait(false);
        if (outcome.Result is RefreshResult.Failed or RefreshResult.TimedOut)
            Log.FallbackRefreshFailed(telemetry.Logger, telemetry.Job, key, outcome.Error ?? new InvalidOperationException($"The refresh ended {outcome.Result}."));
    }
}
