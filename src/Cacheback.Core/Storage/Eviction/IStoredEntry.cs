namespace Cacheback;

/// <summary>
/// What the eviction hand and the sweep read and write on an entry of a bounded memory store. The
/// entry is the dictionary's value itself (for <see cref="MemoryStore"/>, the envelope), so a hit
/// follows one pointer from the dictionary node, and sets <see cref="Referenced"/> only when it is clear.
/// </summary>
internal interface IStoredEntry
{
    /// <summary>When the store drops the entry (Unix ms).</summary>
    long ExpiresAtMs { get; }

    /// <summary>What the entry counts against a bound in bytes; 0 where only entries are bounded.</summary>
    long Size { get; }

    /// <summary>CLOCK's reference bit: set by a read, cleared by the eviction hand as it passes.</summary>
    bool Referenced { get; set; }
}
