namespace Cacheback.Hybrid.Tests;

/// <summary>Counts factory calls, thread-safely.</summary>
public sealed class Counter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public int Next() => Interlocked.Increment(ref _count);
}
