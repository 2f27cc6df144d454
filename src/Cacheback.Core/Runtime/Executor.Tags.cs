namespace Cacheback;

/// <summary>
/// A tagged job's tags: the stamp its fetches read before they run, and the verdict a read hands
/// to <see cref="Decide"/>. An untagged job never comes here (<see cref="_tagsOf"/> is null).
/// </summary>
internal sealed partial class Executor<TArgs, T>
{
    /// <summary>Whether the job declared tags: its entries carry a stamp and its reads ask the tag book.</summary>
    public bool IsTagged => _tagsOf is not null;

    /// <summary>
    /// The stamp of the wildcard and the job's tags for <paramref name="args"/> now, to read BEFORE a
    /// fetch runs: an invalidation that lands while it runs then leaves its value stale (or removed),
    /// never fresh. Null for an untagged job. Throws what the tag book throws, and for a blank tag.
    /// </summary>
    private async ValueTask<TagStamp?> StampAsync(TArgs args, CancellationToken cancellationToken)
    {
        if (_tagsOf is null)
            return null;
        var (versions, removals) = await SumsAsync(args, cancellationToken).ConfigureAwait(false);
        return new TagStamp(versions, removals);
    }

    /// <summary>
    /// The sums of the counters of the wildcard and the job's tags for <paramref name="args"/>. Without
    /// allocating when the book answers at once (memory, or an L1): a tagged hit pays the tags function and
    /// one book read per tag. Sums need no normalising: the same arguments give the same tags, so a
    /// duplicate counts twice on write and on read alike.
    /// </summary>
    private ValueTask<(long Versions, long Removals)> SumsAsync(TArgs args, CancellationToken cancellationToken)
    {
        var tags = _tagsOf!(args);
        var wildcard = _tagBook!.ReadAsync(TagRules.Wildcard, cancellationToken);
        if (!wildcard.IsCompletedSuccessfully)
            return SumsSlowAsync(wildcard, tags, cancellationToken);
        long versions = wildcard.Result.Version, removals = wildcard.Result.RemovedAt;
        if (tags is string[] array)
        {
            for (var i = 0; i < array.Length; i++)
            {
                var state = _tagBook.ReadAsync(TagRules.Checked(array[i], i), cancellationToken);
                if (!state.IsCompletedSuccessfully)
                    return SumsSlowAsync(wildcard, tags, cancellationToken);
                versions += state.Result.Version;
                removals += state.Result.RemovedAt;
            }

            return new((versions, removals));
        }

        return SumsSlowAsync(wildcard, tags, cancellationToken);
    }

    private async ValueTask<(long Versions, long Removals)> SumsSlowAsync(ValueTask<TagState> wildcard, IEnumerable<string>? tags, CancellationToken cancellationToken)
    {
        // The wildcard's read is awaited once; every tag is read again (a book read is idempotent).
        var first = await wildcard.ConfigureAwait(false);
        long versions = first.Version, removals = first.RemovedAt;
        var position = 0;
        foreach (var tag in tags ?? [])
        {
            var state = await _tagBook!.ReadAsync(TagRules.Checked(tag, position++), cancellationToken).ConfigureAwait(false);
            versions += state.Version;
            removals += state.RemovedAt;
        }

        return (versions, removals);
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
        ValueTask<(long Versions, long Removals)> sums;
        try
        {
            sums = SumsAsync(args, cancellationToken);
        }
#pragma warning disable CA1031 // VerdictSlowAsync sorts what the book (or the tags function) threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            sums = ValueTask.FromException<(long, long)>(e);
        }

        return sums.IsCompletedSuccessfully
            ? DecidedBy(now, stored, key, args, TagRules.Judge(stored.Tags, sums.Result.Versions, sums.Result.Removals), cancellationToken)
            : VerdictSlowAsync(sums, stored, key, args, cancellationToken);
    }

    private async ValueTask<CacheRead<T>> VerdictSlowAsync(ValueTask<(long Versions, long Removals)> sums, Envelope<T> stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        TagVerdict verdict;
        try
        {
            var (versions, removals) = await sums.ConfigureAwait(false);
            verdict = TagRules.Judge(stored.Tags, versions, removals);
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
