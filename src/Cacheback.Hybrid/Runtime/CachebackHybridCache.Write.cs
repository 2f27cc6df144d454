using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid;

/// <summary>Writes: the shared fetch of a miss, the background refresh of a stale entry, and SetAsync.</summary>
public sealed partial class CachebackHybridCache
{
    /// <inheritdoc />
    /// <remarks>The value is stored as freshly fetched, over whatever is there; a refresh running meanwhile no longer lands.</remarks>
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var flags = FlagsOf(options);
        if (!KeyUsable(key) || !CanWrite(flags))
            return default;
        return SetCoreAsync(key, value, PolicyOf(options), TagRules.Normalize(tags), cancellationToken);
    }

    private async ValueTask SetCoreAsync<T>(string key, T value, Policy policy, string[] tags, CancellationToken cancellationToken)
    {
        var seen = await SeenAsync(key, tags, cancellationToken).ConfigureAwait(false);
        await StoreAsync(key, value, tags, seen, policy, expected: null).ConfigureAwait(false);
    }

    /// <summary>Joins or starts this process's fetch of <paramref name="key"/>; the caller's token only stops this caller waiting.</summary>
    private async ValueTask<T> FetchSharedAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        IEnumerable<string>? tags,
        long? expected,
        CancellationToken cancellationToken)
    {
        if ((flags & HybridCacheEntryFlags.DisableUnderlyingData) != 0)
            return default!;
        var flight = FlightsOf<T>().Run(
            key,
            (Self: this, Key: key, State: state, Factory: factory, Policy: policy, Flags: flags, Tags: TagRules.Normalize(tags), Expected: expected),
            static s => s.Self.FetchAndStoreAsync(s.Key, s.State, s.Factory, s.Policy, s.Flags, s.Tags, s.Expected),
            cancellationToken);
        return await flight.ConfigureAwait(false);
    }

    private async ValueTask<T> FetchAndStoreAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags,
        long? expected)
    {
        // The tags' versions before the factory runs: an invalidation that lands while it runs
        // leaves this value stale (or removed), never fresh.
        var seen = await SeenAsync(key, tags, CancellationToken.None).ConfigureAwait(false);
        var value = await factory(state, CancellationToken.None).ConfigureAwait(false);
        if (CanWrite(flags))
            await StoreAsync(key, value, tags, seen, policy, expected).ConfigureAwait(false);
        return value;
    }

    /// <summary>
    /// The refresh of a stale entry: claims it (a compare-and-set in the store, so one caller per
    /// stale episode wins across every process), then, off the caller's thread, runs the factory
    /// this call captured, bounded by the refresh timeout, and stores the value only over its own
    /// claim: a write, removal or another refresh that landed meanwhile wins. Never throws.
    /// </summary>
    private async Task RefreshInBackgroundAsync<TState, T>(
        string key,
        Claim<HybridEntry> claim,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags)
    {
        if (await ClaimAsync(key, claim).ConfigureAwait(false) is not { } version)
            return;
        // A memory store claims synchronously, on the reader's thread: leave it before the factory runs.
        await Task.Yield();
        await RunRefreshAsync(key, version, state, factory, policy, flags, tags).ConfigureAwait(false);
    }

    /// <summary>Takes the refresh lease by compare-and-set: the version claimed, or null (lost, or the store failed; logged).</summary>
    private async ValueTask<long?> ClaimAsync(string key, Claim<HybridEntry> claim)
    {
        var version = Envelope.NewVersion();
        try
        {
            if (await _store.CompareAndSetAsync(key, claim.ExpectedVersion, claim.ToEnvelope(version), claim.Ttl).ConfigureAwait(false))
                return version;
            _claiming.TryRemove(key, out _);
            return null;
        }
#pragma warning disable CA1031 // Nobody awaits this task: the next read after the lease tries again.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _claiming.TryRemove(key, out _);
            HybridLog.StoreFailed(_logger, key, "claim", e);
            return null;
        }
    }

    /// <summary>
    /// The refresh of a stale key whose factory is registered by name: claims it as any refresh,
    /// then enqueues it to the runtime's queue, for the process that runs refreshes (a worker) to
    /// run with the named factory, over this claim. When the queue will not take it, this call's
    /// factory refreshes here instead. Never throws.
    /// </summary>
    private async Task ClaimAndEnqueueAsync<TState, T>(
        string key,
        Claim<HybridEntry> claim,
        HybridFactory named,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags)
    {
        if (await ClaimAsync(key, claim).ConfigureAwait(false) is not { } version)
            return;
        await Task.Yield();
        try
        {
            var arguments = new HybridRefreshArguments(policy.LifetimeMs, (int)flags, tags).Serialize();
            await _runtime.Queue.EnqueueAsync(new RefreshRequest(named.RequestName, key, version, arguments, _clock.Now())).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The queue is down: refresh here, as an anonymous factory would.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.QueueFailed(_logger, key, named.Name, e);
            await RunRefreshAsync(key, version, state, factory, policy, flags, tags).ConfigureAwait(false);
            return;
        }

        _claiming.TryRemove(key, out _);
        RefreshEnqueued?.Invoke(key);
    }

    /// <summary>Raised when this process enqueued the refresh of a key with a named factory: tests wait on it.</summary>
    internal event Action<string>? RefreshEnqueued;

    /// <summary>
    /// Runs a queued refresh of a named factory (the runtime's refresh worker calls this, through the
    /// factory's handler): unless the claim it carries is gone, reads the tags' versions, runs the
    /// factory in a scope of its own, and stores the value over that claim only.
    /// </summary>
    internal async Task<RefreshResult> RunNamedRefreshAsync<T>(RefreshRequest request, HybridFactory<T> named, IServiceProvider services, CancellationToken cancellationToken)
    {
        var arguments = HybridRefreshArguments.Deserialize(request.Arguments);
        var stored = await _store.ReadAsync(request.Key, cancellationToken).ConfigureAwait(false);
        if (request.ExpectedVersion is { } expected && Decide.Superseded(stored, expected))
            return RefreshResult.SupersededBeforeFetch;
        var policy = PolicyFor(TimeSpan.FromMilliseconds(arguments.ExpirationMs));
        var seen = await SeenAsync(request.Key, arguments.Tags, cancellationToken).ConfigureAwait(false);
        var value = await named.RunAsync(services, request.Key, cancellationToken).ConfigureAwait(false);
        // A refresh the worker gave up on (timed out) must not land after its outcome was reported.
        cancellationToken.ThrowIfCancellationRequested();
        if (!CanWrite((HybridCacheEntryFlags)arguments.Flags))
            return RefreshResult.Succeeded;
        return await StoreAsync(request.Key, value, arguments.Tags, seen, policy, request.ExpectedVersion).ConfigureAwait(false)
            ? RefreshResult.Succeeded
            : RefreshResult.Superseded;
    }

    /// <summary>Runs a claimed refresh here with the call's factory, bounded by the refresh timeout; stores over the claim only. Never throws.</summary>
    private async Task RunRefreshAsync<TState, T>(
        string key,
        long version,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags)
    {
        using var timeout = new CancellationTokenSource(policy.RefreshTimeout, _clock.TimeProvider);
        try
        {
            var seen = await SeenAsync(key, tags, timeout.Token).ConfigureAwait(false);
            var value = await factory(state, timeout.Token).ConfigureAwait(false);
            // A refresh that outlived its lease must not land: another may have been claimed since.
            timeout.Token.ThrowIfCancellationRequested();
            if (CanWrite(flags))
                await StoreAsync(key, value, tags, seen, policy, version).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A background refresh: its failure is logged, the stale value stays served.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.RefreshFailed(_logger, key, e);
        }
        finally
        {
            _claiming.TryRemove(key, out _);
            RefreshEnded?.Invoke(key);
        }
    }

    /// <summary>Raised when a background refresh this process claimed has ended (landed, superseded or failed): tests and benchmarks wait on it.</summary>
    internal event Action<string>? RefreshEnded;

    /// <summary>
    /// Stores a value as freshly fetched: over anything (<paramref name="expected"/> null) or only
    /// over that version. A value over <see cref="HybridCacheOptions.MaximumPayloadBytes"/>, or whose
    /// tags' versions are unknown, is not stored, and what was there is removed: an older value must
    /// not stand in for it. Store failures are logged, never thrown.
    /// </summary>
    private async ValueTask<bool> StoreAsync<T>(string key, T value, string[] tags, long[]? seen, Policy policy, long? expected)
    {
        try
        {
            var serializer = _serializers.For<T>();
            byte[]? payload = null;
            long size;
            if (_sharedStore)
            {
                payload = PayloadSize.Bytes(serializer, value);
                size = payload.Length;
            }
            else
            {
                size = PayloadSize.Count(serializer, value);
            }

            if (size > _options.MaximumPayloadBytes || seen is null)
            {
                if (seen is not null)
                    HybridLog.PayloadTooLarge(_logger, key, size, _options.MaximumPayloadBytes);
                await _store.DeleteAsync(key).ConfigureAwait(false);
                return false;
            }

            var now = _clock.NowMs();
            var envelope = Envelope.FromMs(Envelope.NewVersion(), true, HybridEntry.Of(value, tags, seen, payload), now, EnvelopeTime.Add(now, policy.LifetimeMs), 0);
            if (expected is not { } version)
            {
                await _store.WriteAsync(key, envelope, policy.CacheTtl).ConfigureAwait(false);
                return true;
            }

            if (await _store.CompareAndSetAsync(key, version, envelope, policy.CacheTtl).ConfigureAwait(false))
                return true;
            HybridLog.RefreshSuperseded(_logger, key);
            return false;
        }
#pragma warning disable CA1031 // The caller has its value; the store's failure (or a serializer's) is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.StoreFailed(_logger, key, "write", e);
            return false;
        }
    }
}
