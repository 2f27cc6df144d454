using LanguageExt;

namespace Cacheback;

/// <summary>The operations besides reading: set, delete, invalidate, raw get, refresh.</summary>
internal sealed partial class Executor<TArgs, T>
{
    /// <summary>Stores <paramref name="value"/> as freshly fetched.</summary>
    public async Task SetAsync(string key, TArgs args, T value, CancellationToken cancellationToken) =>
        await StoreFreshAsync(key, args, value, expectedVersion: null, cancellationToken).ConfigureAwait(false);

    /// <summary>Removes the item; whether one was there.</summary>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
        await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);

    /// <summary>The stored envelope, no side effects; none when absent, unreadable or past its TTL.</summary>
    public async Task<Option<Envelope<T>>> RawGetAsync(string key, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        var now = _clock.NowMs();
        return stored.Filter(e => now < e.FetchedAtMs + Policy.CacheTtlMs);
    }

    /// <summary>
    /// Marks a present item stale and leased, and enqueues its refresh (refreshing here if the queue
    /// is down). Readers get the old value, as stale, until the refresh lands. Whether an item was there.
    /// </summary>
    public async Task<bool> InvalidateAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var stored = (await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false)).OrNull();
        if (stored is null)
            return false;
        var now = _clock.NowMs();
        var version = Envelope.NewVersion();
        var leased = Envelope.FromMs(version, stored.HasValue, stored.RawValue, stored.FetchedAtMs,
            Math.Min(stored.FreshUntilMs, now), LeaseUntilMs(args, now));
        var ttl = TimeSpan.FromMilliseconds(Math.Clamp(stored.FetchedAtMs + Policy.CacheTtlMs - now, 1, Policy.CacheTtlMs));
        if (!await _store.CompareAndSetAsync(key, stored.Version, leased, ttl, cancellationToken).ConfigureAwait(false))
            return true; // Changed meanwhile: whatever replaced it is newer than what we invalidated.
        if (!await TryEnqueueAsync(key, args, version, cancellationToken).ConfigureAwait(false))
            await RefreshHereAsync(key, args, version).ConfigureAwait(false);
        return true;
    }

    /// <summary>Fetches now, stores and returns the value; the fetch's exception propagates.</summary>
    public async Task<T> RefreshAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var value = await FetchTimedAsync(args, cancellationToken).ConfigureAwait(false);
        await StoreFreshAsync(key, args, value, expectedVersion: null, cancellationToken).ConfigureAwait(false);
        return value;
    }

    /// <summary>
    /// Enqueues a refresh; when the queue cannot take it, refreshes here (and logs); when that fails
    /// too, logs. Never throws for either.
    /// </summary>
    public async Task EnqueueRefreshAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        if (!await TryEnqueueAsync(key, args, expectedVersion: null, cancellationToken).ConfigureAwait(false))
            await RefreshHereAsync(key, args, expectedVersion: null).ConfigureAwait(false);
    }
}
