using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>The tag rules as pure functions: the verdict on an entry from the versions it saw and the tags' states now.</summary>
internal static class TagRules
{
    /// <summary>The wildcard tag: <c>RemoveByTagAsync("*")</c> invalidates every entry, as in HybridCache.</summary>
    public const string Wildcard = "*";

    /// <summary>How long a tag counter in a shared store is kept after its last bump, for jobs: 30 days (a HybridCache has its own <c>TagRetention</c>).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>The verdict of one tag on an entry that saw version <paramref name="seen"/> of it.</summary>
    [Pure]
    public static TagVerdict Judge(TagState now, long seen) =>
        now.Version == seen ? TagVerdict.Valid
        : now.RemovedAt > seen ? TagVerdict.Removed
        : TagVerdict.Stale;

    /// <summary>
    /// The verdict of a tagged job's tags on an entry stamped <paramref name="seen"/>, the tags' stamp
    /// now being <paramref name="now"/>: removed when a removal landed since (the removal sum grew),
    /// stale when any invalidation did (the version sum moved; a counter the store lost moves it too,
    /// and then the entry refreshes once rather than being trusted). No entry stamp (written before
    /// the job had tags): stale, so that it refreshes under its tags.
    /// </summary>
    [Pure]
    public static TagVerdict Judge(TagStamp? seen, TagStamp now) => Judge(seen, now.Versions, now.Removals);

    /// <summary><see cref="Judge(TagStamp, TagStamp)"/> with the stamp now as its two sums (the hit path builds no stamp).</summary>
    [Pure]
    public static TagVerdict Judge(TagStamp? seen, long versions, long removals) =>
        seen is null ? TagVerdict.Stale
        : removals > seen.Removals ? TagVerdict.Removed
        : versions != seen.Versions ? TagVerdict.Stale
        : TagVerdict.Valid;

    /// <summary><paramref name="tag"/>, unless it is null or blank.</summary>
    /// <exception cref="ArgumentException">The tag at <paramref name="position"/> is null, empty or whitespace.</exception>
    public static string Checked(string tag, int position) =>
        string.IsNullOrWhiteSpace(tag)
            ? throw new ArgumentException($"Tag #{position} is null, empty or whitespace; a tag must name something.", nameof(tag))
            : tag;

    /// <summary>The worse of two verdicts.</summary>
    [Pure]
    public static TagVerdict Worse(TagVerdict a, TagVerdict b) => a >= b ? a : b;

    /// <summary>The tags as given, without duplicates, nulls, blanks or the wildcard (which every entry carries anyway).</summary>
    /// <exception cref="ArgumentException">A tag is empty or whitespace (the message says which position).</exception>
    public static string[] Normalize(IEnumerable<string>? tags)
    {
        if (tags is null)
            return [];
        if (tags is string[] { Length: 0 } or ICollection<string> { Count: 0 })
            return [];
        var set = new List<string>();
        var position = 0;
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
                throw new ArgumentException($"Tag #{position} is null, empty or whitespace; a tag must name something.", nameof(tags));
            if (tag != Wildcard && !set.Contains(tag, StringComparer.Ordinal))
                set.Add(tag);
            position++;
        }

        return [.. set];
    }
}
