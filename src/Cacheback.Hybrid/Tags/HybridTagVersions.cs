using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>
/// An entry's tags against the tag book: whether they still hold (at once, for the hit path, or
/// awaited, as the verdict <see cref="Decide"/> takes), and the versions a factory starts from.
/// </summary>
internal sealed class HybridTagVersions(ITagBook tags, ILogger logger)
{
    /// <summary>Whether every tag of the entry (the wildcard first) is at the version it saw, when the tag book answers at once.</summary>
    public bool HoldNow(HybridEntry entry)
    {
        var seen = entry.Seen;
        for (var i = 0; i < seen.Length; i++)
        {
            var state = tags.ReadAsync(i == 0 ? TagRules.Wildcard : entry.Tags[i - 1], CancellationToken.None);
            if (!state.IsCompletedSuccessfully || state.Result.Version != seen[i])
                return false;
        }

        return true;
    }

    /// <summary>The verdict of the entry's tags; a tag book that cannot answer makes it a miss (its freshness cannot be shown).</summary>
    public async ValueTask<TagVerdict> VerdictAsync(string key, HybridEntry entry, CancellationToken cancellationToken)
    {
        var verdict = TagVerdict.Valid;
        try
        {
            for (var i = 0; i < entry.Seen.Length; i++)
            {
                var tag = i == 0 ? TagRules.Wildcard : entry.Tags[i - 1];
                var state = await tags.ReadAsync(tag, cancellationToken).ConfigureAwait(false);
                verdict = TagRules.Worse(verdict, TagRules.Judge(state, entry.Seen[i]));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            HybridLog.StoreFailed(logger, key, "read tags", e);
            return TagVerdict.Removed;
        }

        return verdict;
    }

    /// <summary>The versions of the wildcard and of <paramref name="entryTags"/> now, read before a factory runs; null when the store cannot say.</summary>
    public async ValueTask<long[]?> SeenAsync(string key, string[] entryTags, CancellationToken cancellationToken)
    {
        var seen = new long[entryTags.Length + 1];
        try
        {
            seen[0] = (await tags.ReadAsync(TagRules.Wildcard, cancellationToken).ConfigureAwait(false)).Version;
            for (var i = 0; i < entryTags.Length; i++)
                seen[i + 1] = (await tags.ReadAsync(entryTags[i], cancellationToken).ConfigureAwait(false)).Version;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            HybridLog.StoreFailed(logger, key, "read tags", e);
            return null;
        }

        return seen;
    }
}
