using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>
/// The read path of GetOrCreateAsync: the hit, without allocation or await; then the decision on
/// what is stored (Cacheback's <see cref="Decide"/>) and its effect: serve, fetch, or serve and refresh.
/// </summary>
internal sealed class HybridReader(
    IEnvelopeStore<HybridEntry> store,
    bool sharedStore,
    HybridSerializers serializers,
    HybridCallRules rules,
    HybridTagVersions tagVersions,
    HybridWriter writer,
    HybridRefresher refresher,
    Clock clock,
    ILogger logger)
{
    private readonly ConcurrentDictionary<string, Task<Envelope<HybridEntry>?>> _reads = new(StringComparer.Ordinal);

    /// <summary>See <see cref="CachebackHybridCache.GetOrCreateAsync{TState, T}"/>.</summary>
    public ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options,
        IEnumerable<string>? tags,
        CancellationToken cancellationToken)
    {
        var flags = rules.FlagsOf(options);
        if (!rules.KeyUsable(key))
            return (flags & HybridCacheEntryFlags.DisableUnderlyingData) == 0 ? factory(state, cancellationToken) : default;
        if (!rules.CanRead(flags))
            return writer.FetchSharedAsync(key, state, factory, rules.PolicyOf(options), flags, tags, expected: null, cancellationToken);

        ValueTask<Envelope<HybridEntry>?> read;
        if (sharedStore && _reads.TryGetValue(key, out var running))
        {
            // A read of this key is on its way to Redis: join it rather than send another.
            read = new(running.WaitAsync(cancellationToken));
        }
        else
        {
            try
            {
                read = store.ReadAsync(key, sharedStore ? CancellationToken.None : cancellationToken);
            }
#pragma warning disable CA1031 // SlowAsync sorts what the store threw.
            catch (Exception e)
#pragma warning restore CA1031
            {
                read = ValueTask.FromException<Envelope<HybridEntry>?>(e);
            }

            if (sharedStore && !read.IsCompleted)
                read = Share(key, read, cancellationToken);
        }

        // The hit: a store that answers at once (memory, or an L1) with an entry that Decide's hit
        // rule calls a hit under the call's policy, whose tags hold. No allocation, no await.
        if (read.IsCompletedSuccessfully)
        {
            // Taken once: a pooled ValueTask (a Redis read's) may serve another read once its
            // result is taken, so what goes on to the decision is the envelope, not the ValueTask.
            var stored = read.Result;
            if (stored is not null
                && rules.IsHit(clock.NowMs(), stored, options)
                && tagVersions.HoldNow(stored.RawValue)
                && stored.RawValue.TryGetValue<T>(serializers, out var value))
            {
                return new ValueTask<T>(value);
            }

            read = new ValueTask<Envelope<HybridEntry>?>(stored);
        }

        return SlowAsync(read, key, state, factory, options, flags, tags, cancellationToken);
    }

    /// <summary>
    /// Makes a read that went to Redis joinable by the callers of the key that come while it is on
    /// its way (a stale episode on a node whose L1 the claim just invalidated sends one read, not
    /// one per caller). It runs without any caller's token; each caller waits with its own.
    /// </summary>
    private ValueTask<Envelope<HybridEntry>?> Share(string key, ValueTask<Envelope<HybridEntry>?> read, CancellationToken cancellationToken)
    {
        var task = read.AsTask();
        if (_reads.TryAdd(key, task))
        {
            _ = task.ContinueWith(
                static (done, state) =>
                {
                    var (reads, key) = ((ConcurrentDictionary<string, Task<Envelope<HybridEntry>?>>, string))state!;
                    reads.TryRemove(new KeyValuePair<string, Task<Envelope<HybridEntry>?>>(key, done));
                },
                (_reads, key),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return new(task.WaitAsync(cancellationToken));
    }

    private async ValueTask<T> SlowAsync<TState, T>(
        ValueTask<Envelope<HybridEntry>?> read,
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options,
        HybridCacheEntryFlags flags,
        IEnumerable<string>? tags,
        CancellationToken cancellationToken)
    {
        Envelope<HybridEntry>? stored;
        try
        {
            stored = await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            HybridLog.StoreFailed(logger, key, "read", e);
            stored = null;
        }

        var policy = rules.PolicyOf(options);
        // What the entry's tags say of it is an input of the decision, as for Cacheback's tagged jobs.
        // A value this reader cannot read as a T (another type wrote it) is a miss, as if removed.
        var verdict = TagVerdict.Valid;
        var served = default(T)!;
        if (stored is { HasValue: true })
        {
            verdict = await tagVersions.VerdictAsync(key, stored.RawValue, cancellationToken).ConfigureAwait(false);
            if (verdict != TagVerdict.Removed && !stored.RawValue.TryGetValue(serializers, out served))
                verdict = TagVerdict.Removed;
        }

        switch (Decide.Next(Command<HybridEntry>.Read.Of(0, verdict), clock.NowMs(), stored, policy.Rules))
        {
            case Effect<HybridEntry>.FetchSync fetch:
                return await writer.FetchSharedAsync(key, state, factory, policy, flags, tags, fetch.ExpectedVersion, cancellationToken).ConfigureAwait(false);
            case Effect<HybridEntry>.ReturnAndEnqueue stale:
                if ((flags & HybridCacheEntryFlags.DisableUnderlyingData) == 0)
                    refresher.Start(key, stale.Claim, state, factory, policy, flags, tags);
                return served!;
            default:
                // Fresh (a store that answers later), or stale with its refresh already claimed. A
                // placeholder never comes here: HybridCache fetches every miss (FetchOnMiss).
                return served!;
        }
    }
}
