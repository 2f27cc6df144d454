namespace Cacheback;

/// <summary>What the tags of an entry say of it, worst last: an entry is as bad as its worst tag.</summary>
internal enum TagVerdict
{
    /// <summary>No tag of the entry was invalidated since its fetch started.</summary>
    Valid = 0,

    /// <summary>A tag was invalidated as stale: serve the entry while one refresh runs.</summary>
    Stale = 1,

    /// <summary>A tag was removed: the entry is a miss.</summary>
    Removed = 2,
}
