namespace Cacheback;

/// <summary>
/// A tagged job's tags: the stamp its fetches read before they run, and the verdict a read hands
/// to <see cref="Decide"/>. An untagged job has none (its reads never ask a tag book).
/// </summary>
internal sealed class JobTags<TArgs>(Func<TArgs, IEnumerable<string>?> tagsOf, ITagBook book, JobTelemetry telemetry)
{
    /// <summary>
    /// The stamp of the wildcard and the job's tags for <paramref name="args"/> now, to read BEFORE a
    /// fetch runs: an invalidation that lands while it runs then leaves its value stale (or removed),
    /// never fresh. Throws what the tag book throws, and for a blank tag.
    /// </summary>
    public async ValueTask<TagStamp> StampAsync(TArgs args, CancellationToken cancellationToken)
    {
        var (versions, removals) = await SumsAsync(args, cancellationToken).ConfigureAwait(false);
        return new TagStamp(versions, removals);
    }

    /// <summary>
    /// What the tags for <paramref name="args"/> say of a stored value stamped <paramref name="stamp"/>
    /// (read under <paramref name="key"/>): without allocating when the book answers at once. A tag
    /// book that cannot answer makes the entry removed (logged): its freshness cannot be shown.
    /// </summary>
    public ValueTask<TagVerdict> VerdictAsync(TagStamp? stamp, string key, TArgs args, CancellationToken cancellationToken)
    {
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

        if (!sums.IsCompletedSuccessfully)
            return VerdictSlowAsync(sums, stamp, key, cancellationToken);
        var (versions, removals) = sums.Result;
        return new(TagRules.Judge(stamp, versions, removals));
    }

    private async ValueTask<TagVerdict> VerdictSlowAsync(ValueTask<(long Versions, long Removals)> sums, TagStamp? stamp, string key, CancellationToken cancellationToken)
    {
        try
        {
            var (versions, removals) = await sums.ConfigureAwait(false);
            return TagRules.Judge(stamp, versions, removals);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            telemetry.StoreFailed(key, "read tags", e);
            return TagVerdict.Removed;
        }
    }

    /// <summary>
    /// The sums of the counters of the wildcard and the job's tags for <paramref name="args"/>. Without
    /// allocating when the book answers at once (memory, or an L1): a tagged hit pays the tags function and
    /// one book read per tag. Sums need no normalising: the same arguments give the same tags, so a
    /// duplicate counts twice on write and on read alike.
    /// </summary>
    private ValueTask<(long Versions, long Removals)> SumsAsync(TArgs args, CancellationToken cancellationToken)
    {
        var tags = tagsOf(args);
        var wildcard = book.ReadAsync(TagRules.Wildcard, cancellationToken);
        if (!wildcard.IsCompletedSuccessfully)
            return SumsSlowAsync(wildcard, tags, cancellationToken);
        // Each ValueTask's result is taken once: a pooled one may serve another read once taken.
        var all = wildcard.Result;
        if (tags is string[] array)
        {
            long versions = all.Version, removals = all.RemovedAt;
            for (var i = 0; i < array.Length; i++)
            {
                var reading = book.ReadAsync(TagRules.Checked(array[i], i), cancellationToken);
                if (!reading.IsCompletedSuccessfully)
                    return SumsSlowAsync(new ValueTask<TagState>(all), tags, cancellationToken);
                var state = reading.Result;
                versions += state.Version;
                removals += state.RemovedAt;
            }

            return new((versions, removals));
        }

        return SumsSlowAsync(new ValueTask<TagState>(all), tags, cancellationToken);
    }

    private async ValueTask<(long Versions, long Removals)> SumsSlowAsync(ValueTask<TagState> wildcard, IEnumerable<string>? tags, CancellationToken cancellationToken)
    {
        // The wildcard's read is awaited once; every tag is read again (a book read is idempotent).
        var first = await wildcard.ConfigureAwait(false);
        long versions = first.Version, removals = first.RemovedAt;
        var position = 0;
        foreach (var tag in tags ?? [])
        {
            var state = await book.ReadAsync(TagRules.Checked(tag, position++), cancellationToken).ConfigureAwait(false);
            versions += state.Version;
            removals += state.RemovedAt;
        }

        return (versions, removals);
    }
}
