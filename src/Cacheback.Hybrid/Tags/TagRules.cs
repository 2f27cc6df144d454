using System.Diagnostics.Contracts;

namespace Cacheback.Hybrid;

/// <summary>The tag rules as pure functions: the verdict on an entry from the versions it saw and the tags' states now.</summary>
internal static class TagRules
{
    /// <summary>The wildcard tag: <c>RemoveByTagAsync("*")</c> invalidates every entry, as in HybridCache.</summary>
    public const string Wildcard = "*";

    /// <summary>The verdict of one tag on an entry that saw version <paramref name="seen"/> of it.</summary>
    [Pure]
    public static TagVerdict Judge(TagState now, long seen) =>
        now.Version == seen ? TagVerdict.Valid
        : now.RemovedAt > seen ? TagVerdict.Removed
        : TagVerdict.Stale;

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
