namespace Cacheback;

/// <summary>A store with a <see cref="MemoryBounds"/>, whose evictions and expirations a runtime's meter reports.</summary>
internal interface IBoundedStore
{
    /// <summary>The bound; null for a store that only forwards to bytes that have none.</summary>
    MemoryBounds? Bounds { get; }
}
