namespace Cacheback;

/// <summary>One table of a bounded store (a job's partition) as the eviction hand and the sweep see it.</summary>
internal interface IEvictionSegment
{
    /// <summary>The job whose table this is (the tag of its counts).</summary>
    string Job { get; }

    /// <summary>Entries the eviction hand removed from this table, since it was made.</summary>
    long Evicted { get; }

    /// <summary>Entries past their TTL the sweep removed from this table, since it was made.</summary>
    long Expired { get; }

    /// <summary>Moves this table's eviction hand one entry on: evicts it if it was not read since the hand last passed it.</summary>
    HandStep Step();

    /// <summary>Looks at up to <paramref name="budget"/> entries from where the last sweep stopped and removes those expired at <paramref name="nowMs"/>.</summary>
    /// <returns>How many entries were looked at; <paramref name="reachedEnd"/> when the sweep came round to this table's start.</returns>
    int Sweep(long nowMs, int budget, out bool reachedEnd);
}

/// <summary>What one step of the eviction hand did.</summary>
internal enum HandStep
{
    /// <summary>The hand came round to the table's start: nothing looked at.</summary>
    End,

    /// <summary>The entry was read since the last pass: its bit is cleared, it stays.</summary>
    Spared,

    /// <summary>The entry was removed.</summary>
    Evicted,

    /// <summary>The entry had already gone (removed or replaced since the hand saw it).</summary>
    Gone,
}
