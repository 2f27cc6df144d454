namespace Cacheback;

/// <summary>A store in front of another (an encoding, a memory layer): the runtime looks through it for the clock of the store underneath.</summary>
internal interface IStoreLayer
{
    /// <summary>The store underneath.</summary>
    object Inner { get; }
}
