using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>
/// The write path: a value stored as freshly fetched (SetAsync, a miss's shared fetch, a refresh),
/// with the tags' versions read before its factory ran, over anything or over one claim only.
/// </summary>
internal sealed class HybridWriter(
    IEnvelopeStore<HybridEntry> store,
    bool sharedStore,
    HybridSerializers serializers,
    HybridCallRules rules,
    HybridTagVersions tagVersions,
    Clock clock,
    CachebackHybridCacheOptions options,
    ILogger logger)
{
    private readonly ConcurrentDictionary<Type, object> _flights = new();

    /// <summary>SetAsync: the value over whatever is there; a refresh running meanwhile no longer lands.</summary>
    public async ValueTask SetAsync<T>(string key, T value, Policy policy, string[] tags, CancellationToken cancellationToken)
    {
        var seen = await tagVersions.SeenAsync(key, tags, cancellationToken).ConfigureAwait(false);
        await StoreAsync(key, value, tags, seen, policy, expected: null).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken) =>
        await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);

    /// <summary>Joins or starts this process's fetch of <paramref name="key"/>; the caller's token only stops this caller waiting.</summary>
    public async ValueTask<T> FetchSharedAsync<TState, T>(
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
            static s => s.Self.FetchAndStoreAsync(s.Key, s.State, s.Factory, s.Policy, s.Flags, s.Tags, s.Expected, CancellationToken.None),
            cancellationToken);
        return (await flight.ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// Runs a factory and stores its value (when the flags let it write): the tags' versions read
    /// before it runs, so an invalidation that lands while it runs leaves this value stale (or
    /// removed), never fresh. <c>Lost</c>: it was to be written and did not land.
    /// </summary>
    public async ValueTask<(T Value, bool Lost)> FetchAndStoreAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags,
        long? expected,
        CancellationToken cancellationToken)
    {
        var seen = await tagVersions.SeenAsync(key, tags, cancellationToken).ConfigureAwait(false);
        var value = await factory(state, cancellationToken).ConfigureAwait(false);
        // A refresh given up on (timed out) must not land: another may have been claimed since.
        cancellationToken.ThrowIfCancellationRequested();
        var lost = rules.CanWrite(flags) && !await StoreAsync(key, value, tags, seen, policy, expected).ConfigureAwait(false);
        return (value, lost);
    }

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
            var serializer = serializers.For<T>();
            byte[]? payload = null;
            long size;
            if (sharedStore)
            {
                payload = PayloadSize.Bytes(serializer, value);
                size = payload.Length;
            }
            else
            {
                size = PayloadSize.Count(serializer, value);
            }

            if (size > options.MaximumPayloadBytes || seen is null)
            {
                if (seen is not null)
                    HybridLog.PayloadTooLarge(logger, key, size, options.MaximumPayloadBytes);
                await store.DeleteAsync(key).ConfigureAwait(false);
                return false;
            }

            // Fresh for the entry's expiration, kept for its TTL: Decide's rule for any fetched value.
            var command = new Command<HybridEntry>.Write(HybridEntry.Of(value, tags, seen, payload), Envelope.NewVersion(), expected);
            var write = (Effect<HybridEntry>.Store)Decide.Next(command, clock.NowMs(), null, policy.Rules);
            if (write.ExpectedVersion is not { } version)
            {
                await store.WriteAsync(key, write.Envelope, write.Ttl).ConfigureAwait(false);
                return true;
            }

            if (await store.CompareAndSetAsync(key, version, write.Envelope, write.Ttl).ConfigureAwait(false))
                return true;
            HybridLog.RefreshSuperseded(logger, key);
            return false;
        }
#pragma warning disable CA1031 // The caller has its value; the store's failure (or a serializer's) is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.StoreFailed(logger, key, "write", e);
            return false;
        }
    }

    private SingleFlight<(T Value, bool Lost)> FlightsOf<T>() =>
        (SingleFlight<(T Value, bool Lost)>)_flights.GetOrAdd(typeof(T), static _ => new SingleFlight<(T Value, bool Lost)>());
}
