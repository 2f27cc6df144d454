namespace Cacheback;

/// <summary>Where tag states live: in this process for the embedded store, in the shared store otherwise.</summary>
internal interface ITagBook
{
    /// <summary>The tag's state now; completes at once when the book (or the store's L1) has it.</summary>
    ValueTask<TagState> ReadAsync(string tag, CancellationToken cancellationToken);

    /// <summary>Invalidates the tag: every entry that saw an older version is stale, or removed.</summary>
    ValueTask BumpAsync(string tag, bool remove, CancellationToken cancellationToken);
}
