namespace Cacheback;

/// <summary>What a read found in the cache.</summary>
public enum CacheStatus
{
    /// <summary>Nothing usable was stored: absent, expired by the TTL, unreadable, or an empty placeholder.</summary>
    Miss = 0,

    /// <summary>A fresh value.</summary>
    Hit = 1,

    /// <summary>A value past its lifetime, served while a refresh runs.</summary>
    Stale = 2,
}
