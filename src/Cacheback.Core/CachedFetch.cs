namespace Cacheback;

/// <summary>
/// A fetch with a cache in front of it, made by <c>Cache.Wrap</c> (or <c>fetch.Cached()</c>).
/// Call <see cref="GetAsync"/> (or use it as a delegate through <see cref="AsFunc"/>); the other
/// operations reach the cache behind it.
/// </summary>
public sealed class CachedFetch<TArgs, TResult> : IDisposable
{
    private readonly Executor<TArgs, TResult> _executor;
    private readonly Func<TResult, TArgs, CacheStatus, bool?, TResult>? _process;

    internal CachedFetch(Executor<TArgs, TResult> executor, Func<TResult, TArgs, CacheStatus, bool?, TResult>? process = null)
    {
        _executor = executor;
        _process = process;
    }

    /// <summary>The job's registered name.</summary>
    public string Name => _executor.Name;

    /// <summary>The thresholds.</summary>
    public Policy Policy => _executor.Policy;

    /// <summary>The runtime's store it uses (django-cacheback's cache alias).</summary>
    public string StoreName => _executor.StoreName;

    /// <summary>The runtime's queue its refreshes go to.</summary>
    public string QueueName => _executor.QueueName;

    /// <summary>The key <paramref name="args"/> are cached under.</summary>
    /// <exception cref="ArgumentException">The arguments cannot be encoded.</exception>
    public string KeyOf(TArgs args) => _executor.KeyOf(args);

    /// <summary>
    /// The cached value: fresh, or stale while one refresh runs in the background, or fetched now on
    /// a miss (one fetch shared by every concurrent caller in this process).
    /// </summary>
    /// <param name="args">The fetch's arguments.</param>
    /// <param name="cancellationToken">Stops this caller waiting; never cancels a fetch others share.</param>
    /// <exception cref="OperationCanceledException">The caller cancelled (with the caller's token).</exception>
    /// <exception cref="TimeoutException">A fetch made for this read ran longer than the refresh timeout; the message names the job, the key and the timeout.</exception>
    /// <remarks>Only a synchronous fetch's own exception is thrown; store and queue failures are logged and worked around.</remarks>
    public ValueTask<TResult> GetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        GetByKeyAsync(_executor.KeyOf(args), args, cancellationToken);

    /// <summary><see cref="GetAsync"/> under a key the caller already has (skips building one).</summary>
    public ValueTask<TResult> GetByKeyAsync(string key, TArgs args, CancellationToken cancellationToken = default) =>
        _process is null ? _executor.GetAsync(key, args, cancellationToken) : ProcessedAsync(key, args, cancellationToken);

    /// <summary>A read through the definition's <c>ProcessResult</c>, which needs to know how the value was obtained.</summary>
    private async ValueTask<TResult> ProcessedAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var read = await _executor.GetReadAsync(key, args, cancellationToken).ConfigureAwait(false);
        return _process!(read.Value, args, read.Status, read.SyncFetch);
    }

    /// <summary>Whether the job is tagged (its reads ask a tag book).</summary>
    internal bool IsTagged => _executor.IsTagged;

    /// <summary>Stores <paramref name="value"/> for <paramref name="args"/> as if just fetched.</summary>
    public Task SetAsync(TArgs args, TResult value, CancellationToken cancellationToken = default) =>
        _executor.Operations.SetAsync(KeyOf(args), args, value, cancellationToken);

    /// <summary>Removes the item; whether one was there.</summary>
    public Task<bool> DeleteAsync(TArgs args, CancellationToken cancellationToken = default) =>
        _executor.Operations.DeleteAsync(KeyOf(args), cancellationToken);

    /// <summary>Marks the item stale and enqueues its refresh; whether an item was there.</summary>
    public Task<bool> InvalidateAsync(TArgs args, CancellationToken cancellationToken = default) =>
        _executor.Operations.InvalidateAsync(KeyOf(args), args, cancellationToken);

    /// <summary>
    /// Marks every entry tagged <paramref name="tag"/> (<c>"*"</c>: every tagged entry) stale, in every
    /// job and HybridCache on this job's store, on every node and in every L1: each is served while
    /// one refresh of it runs. Nothing is scanned: the tag's counter moves on, and each entry remembers
    /// the counters its fetch saw before it ran, so a fetch, refresh or set in flight now never lands as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask InvalidateByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        _executor.BumpTagAsync(tag, remove: false, cancellationToken);

    /// <summary>As <see cref="InvalidateByTagAsync"/>, but the entries are removed: the next read of one is a miss.</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        _executor.BumpTagAsync(tag, remove: true, cancellationToken);

    /// <summary>The stored envelope (value, times, lease), with no side effects; <see langword="null"/> when absent, unreadable or past its TTL.</summary>
    public Task<Envelope<TResult>?> RawGetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        _executor.Operations.RawGetAsync(KeyOf(args), cancellationToken);

    /// <summary>Fetches now, stores and returns the value.</summary>
    /// <exception cref="TimeoutException">The fetch outlasted the policy's refresh timeout (it was cancelled, and nothing was stored).</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public Task<TResult> RefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        _executor.Operations.RefreshAsync(KeyOf(args), args, cancellationToken);

    /// <summary>Enqueues a background refresh; if the queue cannot take it, refreshes now (and logs). Never throws for either.</summary>
    public Task EnqueueRefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        _executor.Operations.EnqueueRefreshAsync(KeyOf(args), args, cancellationToken);

    /// <summary>
    /// Unregisters the job from its runtime (what is stored stays until its TTL). Wrap once and
    /// keep the result; dispose it only when the job is done for good.
    /// </summary>
    public void Dispose() => _executor.Dispose();

    /// <summary>This cached fetch as a delegate.</summary>
    public Func<TArgs, CancellationToken, ValueTask<TResult>> AsFunc() => GetAsync;

    /// <summary>This cached fetch as a delegate.</summary>
    public static implicit operator Func<TArgs, CancellationToken, ValueTask<TResult>>(CachedFetch<TArgs, TResult> cached) =>
        cached?.AsFunc() ?? throw new ArgumentNullException(nameof(cached));
}
