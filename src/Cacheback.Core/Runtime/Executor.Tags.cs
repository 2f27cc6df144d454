namespace Cacheback;

/// <summary>
/// A tagged job's tags: the stamp its fetches read before they run, and the verdict a read hands
/// to <see cref="Decide"/>. An untagged job never comes here (<see cref="_tagsOf"/> is null).
/// </summary>
internal sealed partial class Executor<TArgs, T>
{
    /// <summary>Whether the job declared tags: its entries carry a stamp and its reads ask the tag book.</summary>
    public bool IsTagged => _tagsOf is not null;

    /// <summary>The job's tags for <paramref name="args"/>, normalised (no duplicates, no wildcard).</summary>
    private string[] TagsOf(TArgs args) => TagRules.Normalize(_tagsOf!(args));

    /// <summary>
    /// The stamp of the wildcard and the job's tags for <paramref name="args"/> now, to read BEFORE a
    /// fetch runs: an invalidation that lands while it runs then leaves its value stale (or removed),
    /// never fresh. Null for an untagged job. Throws what the tag book throws.
    /// </summary>
    private ValueTask<TagStamp?> StampAsync(TArgs args, CancellationToken cancellationToken) =>
        _tagsOf is null ? new((TagStamp?)null) : TaggedStampAsync(TagsOf(args), cancellationToken);

    private async ValueTask<TagStamp?> TaggedStampAsync(string[] tags, CancellationToken cancellationToken)
    {
        long versions = 0, removals = 0;
        for (var i = -1; i < tags.Length; i++)
        {
            var state = await _tagBook!.ReadAsync(i < 0 ? TagRules.Wildcard : tags[i], cancellationToken).ConfigureAwait(false);
            versions += state.Version;
            removals += state.RemovedAt;
        }

        return new TagStamp(versions, removals);
    }

    /// <summary>
    /// A tagged job's read, once the store answered: the verdict of the entry's tags (asked only of a
    /// stored value), then the one decision. A tag book that cannot answer makes the entry a miss:
    /// its freshness cannot be shown.
    /// </summary>
    private ValueTask<CacheRead<T>> DecidedTagged(long now, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        if (stored is not { HasValue: true })
            return DecidedBy(now, stored, key, args, TagVerdict.Valid, cancellationToken);
        ValueTask<TagStamp?> stamp;
        try
        {
            stamp = StampAsync(args, cancellationToken);
        }
#pragma warning disable CA1031 // VerdictSlowAsync sorts what the book threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            stamp = ValueTask.FromException<TagStamp?>(e);
        }

        return stamp.IsCompletedSuccessfully
            ? DecidedBy(now, stored, key, args, TagRules.Judge(stored.Tags, stamp.Result!), cancellationToken)
            : VerdictSlowAsync(stamp, stored, key, args, cancellationToken);
    }

    private async ValueTask<CacheRead<T>> VerdictSlowAsync(ValueTask<TagStamp?> stamp, Envelope<T> stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        TagVerdict verdict;
        try
        {
            verdict = TagRules.Judge(stored.Tags, (await stamp.ConfigureAwait(false))!);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            StoreFailed(key, "read tags", e);
            verdict = TagVerdict.Removed;
        }

        return await DecidedBy(_clock.NowMs(), stored, key, args, verdict, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Invalidates <paramref name="tag"/> in this job's store: every job (and HybridCache) on it sees it.</summary>
    public ValueTask BumpTagAsync(string tag, bool remove, CancellationToken cancellationToken) =>
        _runtime.BumpTagAsync(StoreName, tag, remove, cancellationToken);
}
