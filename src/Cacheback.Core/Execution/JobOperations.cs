namespace Cacheback;

/// <summary>A job's operations besides reading: set, delete, invalidate, raw get, refresh now, enqueue a refresh.</summary>
internal sealed class JobOperations<TArgs, T>(
    IEnvelopeStore<T> store,
    Clock clock,
    CallRules<TArgs> rules,
    JobFetch<TArgs, T> fetch,
    FreshWrites<TArgs, T> writes,
    BackgroundRefresh<TArgs, T> refresh,
    JobTags<TArgs>? tags,
    bool verifyWrites,
    JobTelemetry telemetry)
{
    /// <summary>Stores <paramref name="value"/> as freshly fetched; with <see cref="CachebackRuntimeOptions.VerifyCacheWrite"/>, reads it back.</summary>
    public async Task SetAsync(string key, TArgs args, T value, CancellationToken cancellationToken)
    {
        // The value was made before this call: the tags as they are now are the latest it can have seen.
        var stamp = await StampAsync(args, cancellationToken).ConfigureAwait(false);
        var (_, written) = await writes.StoreCheckedAsync(key, args, value, expectedVersion: null, stamp, cancellationToken).ConfigureAwait(false);
        await VerifyAsync(key, written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the item; whether one was there.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);

    /// <summary>The stored envelope, no side effects; null when absent, unreadable or past its TTL.</summary>
    public async Task<Envelope<T>?> RawGetAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        return ((Effect<T>.Present)Decide.Next(Command<T>.RawGet.Instance, clock.NowMs(), stored, rules.Policy)).Envelope;
    }

    /// <summary>
    /// Marks a present item stale and leased, and enqueues its refresh (refreshing here, through the
    /// runtime's local lane, if the queue is down, and waiting for that refresh's outcome). Readers get the old value, as stale, until the refresh lands. Whether an item was there.
    /// </summary>
    public async Task<bool> InvalidateAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(key, args, Command<T>.Invalidate.Instance, cancellationToken).ConfigureAwait(false);
        if (claim.Expected is { } expected)
            await refresh.EnqueueOrRefreshHereAsync(key, args, expected, cancellationToken).ConfigureAwait(false);
        return claim.Present;
    }

    /// <summary>
    /// Fetches now, stores and returns the value. It is stored only over what was there when the
    /// fetch started: a write made meanwhile is newer, and wins.
    /// </summary>
    public async Task<T> RefreshAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var before = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        var over = (Effect<T>.RefreshOver)Decide.Next(Command<T>.RefreshNow.Instance, clock.NowMs(), before, rules.Policy);
        var stamp = await StampAsync(args, cancellationToken).ConfigureAwait(false);
        var value = await fetch.WithinTimeoutAsync(key, args, cancellationToken).ConfigureAwait(false);
        var (result, written) = await writes.StoreCheckedAsync(key, args, value, over.ExpectedVersion, stamp, cancellationToken).ConfigureAwait(false);
        if (result == RefreshResult.Succeeded)
            await VerifyAsync(key, written, cancellationToken).ConfigureAwait(false);
        return value;
    }

    /// <summary>
    /// Enqueues a refresh that will land only over what is stored now (leased, so that stale
    /// reads do not start another); when the queue cannot take it, refreshes here through the
    /// runtime's local lane and waits for it (and logs); when that fails, or the lane is full or
    /// stopped (the refresh is dropped), logs. Never throws for either; a store that fails the claim does.
    /// </summary>
    public async Task EnqueueRefreshAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(key, args, Command<T>.RequestRefresh.Instance, cancellationToken).ConfigureAwait(false);
        if (claim.Expected is { } expected)
            await refresh.EnqueueOrRefreshHereAsync(key, args, expected, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<TagStamp?> StampAsync(TArgs args, CancellationToken cancellationToken) =>
        tags is null ? null : await tags.StampAsync(args, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// django-cacheback's <c>CACHEBACK_VERIFY_CACHE_WRITE</c>: reads a write back and throws when it
    /// is not there, because a full or misconfigured store may drop writes without a word. Only the
    /// explicit writes (set, refresh) pay the extra read; never a read's write-back or a background refresh.
    /// </summary>
    /// <exception cref="CacheWriteNotVerifiedException">Nothing, or an older item than the one written, is there.</exception>
    private async Task VerifyAsync(string key, Envelope<T> written, CancellationToken cancellationToken)
    {
        if (!verifyWrites)
            return;
        var found = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (Decide.Next(new Command<T>.Verify(written), clock.NowMs(), found, rules.Policy) is Effect<T>.WriteLost)
            throw new CacheWriteNotVerifiedException(telemetry.Job, key, found is null ? "nothing" : $"an older item (fetched at {found.FetchedAt:O})");
    }

    /// <summary>
    /// Carries out Decide's answer to invalidate or a requested refresh (<paramref name="command"/>):
    /// leases a present item under a new version (the version its refresh must find), or refreshes
    /// with no claim, or does nothing. Expected is null when there is nothing to refresh, or when
    /// another writer changed the item first (its refresh, or its write, wins).
    /// </summary>
    private async Task<(bool Present, long? Expected)> ClaimAsync(string key, TArgs args, Command<T> command, CancellationToken cancellationToken)
    {
        Envelope<T>? stored;
        try
        {
            stored = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            telemetry.StoreFailed(key, "read", e);
            stored = null;
        }

        var now = clock.NowMs();
        Claim<T> claim;
        switch (Decide.Next(command, now, stored, rules.Lease(args, now)))
        {
            case Effect<T>.Lease lease:
                claim = lease.Claim;
                break;
            case Effect<T>.RefreshOver over:
                return (false, over.ExpectedVersion);
            default:
                return (false, null);
        }

        var version = Envelope.NewVersion();
        using var activity = CachebackTracing.Start(CachebackTracing.Claim, telemetry.Job, key);
        try
        {
            var won = await store.CompareAndSetAsync(key, claim.ExpectedVersion, claim.ToEnvelope(version), claim.Ttl, cancellationToken).ConfigureAwait(false);
            activity.Ended(won ? "won" : "lost");
            return (true, won ? version : null);
        }
        catch (Exception e)
        {
            activity.Failed(e);
            throw;
        }
    }
}
