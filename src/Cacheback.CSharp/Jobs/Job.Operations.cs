namespace Cacheback;

/// <summary>What client code calls on a job.</summary>
public abstract partial class Job<TArgs, TResult>
{
    /// <summary>
    /// The cached value, through <see cref="ProcessResult"/> if overridden: fresh, or stale while one refresh
    /// runs in the background, or fetched now on a miss (one fetch shared by concurrent callers).
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Stops this caller waiting; never cancels a fetch others share.</param>
    /// <exception cref="OperationCanceledException">The caller cancelled (with the caller's token).</exception>
    /// <exception cref="TimeoutException">A fetch made for this read ran longer than the refresh timeout; the message names the job, the key and the timeout.</exception>
    /// <remarks>A hit takes the same path as <c>Cache.Wrap</c>'s: <see cref="ProcessResult"/>, when overridden, is the only step added.</remarks>
    public ValueTask<TResult> GetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.GetAsync(args, cancellationToken);

    /// <summary>Stores <paramref name="value"/> for <paramref name="args"/>, fresh until <see cref="Expiry"/>.</summary>
    public Task SetAsync(TArgs args, TResult value, CancellationToken cancellationToken = default) =>
        Cached.SetAsync(args, value, cancellationToken);

    /// <summary>Removes the item; whether one was there.</summary>
    public Task<bool> DeleteAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.DeleteAsync(args, cancellationToken);

    /// <summary>
    /// Marks every entry tagged <paramref name="tag"/> (<c>"*"</c>: every tagged entry) stale, in every
    /// tagged job and HybridCache on this job's store, on every node and in every L1: each is served
    /// while one refresh of it runs; a fetch, refresh or set in flight now never lands as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask InvalidateByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        Cached.InvalidateByTagAsync(tag, cancellationToken);

    /// <summary>As <see cref="InvalidateByTagAsync"/>, but the entries are removed: the next read of one is a miss.</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default) =>
        Cached.RemoveByTagAsync(tag, cancellationToken);

    /// <summary>Marks a present item stale and enqueues its refresh; whether an item was there.</summary>
    public Task<bool> InvalidateAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.InvalidateAsync(args, cancellationToken);

    /// <summary>What is stored (the value and until when it is fresh, in an envelope), with no side effects; <see langword="null"/> when absent, unreadable or past its TTL.</summary>
    public Task<Envelope<TResult>?> RawGetAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.RawGetAsync(args, cancellationToken);

    /// <summary>Fetches now, stores and returns the value.</summary>
    /// <exception cref="TimeoutException">The fetch outlasted the policy's refresh timeout (it was cancelled, and nothing was stored).</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public Task<TResult> RefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.RefreshAsync(args, cancellationToken);

    /// <summary>
    /// Enqueues a background refresh. When the queue cannot take it, refreshes now and logs; when
    /// that fails too, logs. Never throws for either.
    /// </summary>
    public Task EnqueueRefreshAsync(TArgs args, CancellationToken cancellationToken = default) =>
        Cached.EnqueueRefreshAsync(args, cancellationToken);
}
