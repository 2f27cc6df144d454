namespace Cacheback;

/// <summary>
/// What a tagged job's entry remembers of its tags: the sums, over the wildcard and each of its
/// tags, of their <see cref="TagState.Version"/> and <see cref="TagState.RemovedAt"/>, read before its
/// fetch ran. Counters only grow, so a sum moves exactly when one of its counters does: two numbers
/// say what a vector of them would, whatever the number of tags, and fit the envelope's header.
/// The job's tags come from its arguments, so the names need not be stored.
/// </summary>
/// <param name="Versions">The sum of the versions seen.</param>
/// <param name="Removals">The sum of the removal marks seen.</param>
internal sealed record TagStamp(long Versions, long Removals)
{
    /// <summary>The stamp of tags never invalidated.</summary>
    public static readonly TagStamp Zero = new(0, 0);

    /// <summary>This stamp with one more tag's state added.</summary>
    public TagStamp Plus(TagState state) => new(Versions + state.Version, Removals + state.RemovedAt);
}
