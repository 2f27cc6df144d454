namespace Cacheback;

/// <summary>
/// What the shared store knows of one tag: a counter bumped by every invalidation, and the counter's
/// value at the last invalidation that removed (rather than staled) its entries. An entry remembers
/// the counter it saw before its factory ran, so a write whose fetch started before an invalidation
/// never counts as fresh, whatever the clocks of the nodes say.
/// </summary>
/// <param name="Version">Bumped by every invalidation of the tag; 0 for a tag never invalidated.</param>
/// <param name="RemovedAt">The <see cref="Version"/> the last removal set; entries that saw less are gone.</param>
internal readonly record struct TagState(long Version, long RemovedAt)
{
    /// <summary>The state after one more invalidation.</summary>
    public TagState Bumped(bool remove) => new(Version + 1, remove ? Version + 1 : RemovedAt);
}
