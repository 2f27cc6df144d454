using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid;

/// <summary>Reads: the hit path, then the decision on what is stored (Cacheback's <see cref="Decide"/>) and its effect.</summary>
public sealed partial class CachebackHybridCache
{
    /// <inheritdoc />
    /// <remarks>
    /// Fresh: the stored value. Past its expiration (within <see cref="CachebackHybridCacheOptions.StaleFor"/>)
    /// or its tag invalidated as stale: the stored value at once, while this call claims the one
    /// background refresh of the key (across every process sharing the store) and runs
    /// <paramref name="factory"/> for it, in this process, bounded by
    /// <see cref="CachebackHybridCacheOptions.RefreshTimeout"/>. Missing, too old, or removed by a
    /// tag: <paramref name="factory"/> now, one call shared by every concurrent caller of the key in
    /// this process; a caller that cancels stops waiting, the factory carries on for the others.
    /// </remarks>
    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        cancellationToken.ThrowIfCancellationRequested();
        var flags = FlagsOf(options);
        if (!KeyUsable(key))
            return (flags & HybridCacheEntryFlags.DisableUnderlyingData) == 0 ? factory(state, cancellationToken) : default;
        if (!CanRead(flags))
            return FetchSharedAsync(key, state, factory, PolicyOf(options), flags, tags, expected: null, cancellationToken);

        ValueTask<Envelope<HybridEntry>?> read;
        if (_sharedStore && _reads.TryGetValue(key, out var running))
        {
            // A read of this key is on its way to Redis: join it rather than send another.
            read = new(running.WaitAsync(cancellationToken));
        }
        else
        {
            try
            {
                read = _store.ReadAsync(key, _sharedStore ? CancellationToken.None : cancellationToken);
            }
#pragma warning disable CA1031 // SlowAsync sorts what the store threw.
            catch (Exception e)
#pragma warning restore CA1031
            {
                read = ValueTask.FromException<Envelope<HybridEntry>?>(e);
            }

            if (_sharedStore && !read.IsCompleted)
                read = Share(key, read, cancellationToken);
        }

        // The hit: a store that answers at once (memory, or an L1) with a fresh entry whose tags
        // hold. No allocation, no await.
        if (read.IsCompletedSuccessfully
            && read.Result is { HasValue: true } stored
            && _clock.NowMs() < stored.FreshUntilMs
            && TagsHoldNow(stored.RawValue)
            && stored.RawValue.TryGetValue<T>(_serializers, out var value))
        {
            return new ValueTask<T>(value);
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

    /// <summary>Whether every tag of the entry (the wildcard first) is at the version it saw, when the tag book answers at once.</summary>
    private bool TagsHoldNow(HybridEntry entry)
    {
        var seen = entry.Seen;
        for (var i = 0; i < seen.Length; i++)
        {
            var state = _tags.ReadAsync(i == 0 ? TagRules.Wildcard : entry.Tags[i - 1], CancellationToken.None);
            if (!state.IsCompletedSuccessfully || state.Result.Version != seen[i])
                return false;
        }

        return true;
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
            HybridLog.StoreFailed(_logger, key, "read", e);
            stored = null;
        }

        var policy = PolicyOf(options);
        // What the entry's tags say of it is an input of the decision, as for Cacheback's tagged jobs.
        // A value this reader cannot read as a T (another type wrote it) is a miss, as if removed.
        var verdict = TagVerdict.Valid;
        var served = default(T)!;
        if (stored is { HasValue: true })
        {
            verdict = await VerdictAsync(key, stored.RawValue, cancellationToken).ConfigureAwait(false);
            if (verdict != TagVerdict.Removed && !stored.RawValue.TryGetValue(_serializers, out served))
                verdict = TagVerdict.Removed;
        }

        switch (Decide.Read(_clock.NowMs(), stored, policy.Rules, 0, verdict))
        {
            case Effect<HybridEntry>.FetchSync fetch:
                return await FetchSharedAsync(key, state, factory, policy, flags, tags, fetch.ExpectedVersion, cancellationToken).ConfigureAwait(false);
            case Effect<HybridEntry>.ReturnAndEnqueue stale:
                // One claim attempt per key at a time in this process: until the lease shows in the
                // store (or its L1), every reader here would send a compare-and-set that can only lose,
                // and each lost one makes an L1 forget the key.
                if ((flags & HybridCacheEntryFlags.DisableUnderlyingData) == 0 && _claiming.TryAdd(key, 0))
                {
                    _ = _factories.Length > 0 && FactoryFor(key) is { } named && named.ValueType == typeof(T)
                        ? ClaimAndEnqueueAsync(key, stale.Claim, named, state, factory, policy, flags, TagRules.Normalize(tags))
                        : RefreshInBackgroundAsync(key, stale.Claim, state, factory, policy, flags, TagRules.Normalize(tags));
                }

                return served!;
            default:
                // Fresh (a store that answers later), or stale with its refresh already claimed. A
                // placeholder never comes here: HybridCache fetches every miss (FetchOnMiss).
                return served!;
        }
    }

    /// <summary>The verdict of the entry's tags; a tag book that cannot answer makes it a miss (its freshness cannot be shown).</summary>
    private async ValueTask<TagVerdict> VerdictAsync(string key, HybridEntry entry, CancellationToken cancellationToken)
    {
        var verdict = TagVerdict.Valid;
        try
        {
            for (var i = 0; i < entry.Seen.Length; i++)
            {
                var tag = i == 0 ? TagRules.Wildcard : entry.Tags[i - 1];
                var state = await _tags.ReadAsync(tag, cancellationToken).ConfigureAwait(false);
                verdict = TagRules.Worse(verdict, TagRules.Judge(state, entry.Seen[i]));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            HybridLog.StoreFailed(_logger, key, "read tags", e);
            return TagVerdict.Removed;
        }

        return verdict;
    }

    /// <summary>The versions of the wildcard and of <paramref name="tags"/> now, read before a factory runs; null when the store cannot say.</summary>
    private async ValueTask<long[]?> SeenAsync(string key, string[] tags, CancellationToken cancellationToken)
    {
        var seen = new long[tags.Length + 1];
        try
        {
            seen[0] = (await _tags.ReadAsync(TagRules.Wildcard, cancellationToken).ConfigureAwait(false)).Version;
            for (var i = 0; i < tags.Length; i++)
                seen[i + 1] = (await _tags.ReadAsync(tags[i], cancellationToken).ConfigureAwait(false)).Version;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            HybridLog.StoreFailed(_logger, key, "read tags", e);
            return null;
        }

        return seen;
    }
}
