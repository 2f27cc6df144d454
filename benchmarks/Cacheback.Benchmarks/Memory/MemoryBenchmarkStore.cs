namespace Cacheback.Benchmarks.Memory;

/// <summary>The store under test, bounded just above the number of keys so that nothing is evicted while it fills.</summary>
internal static class MemoryBenchmarkStore
{
    public static MemoryStore Create(int keys) => new(new MemoryStoreOptions { MaxEntries = keys + 1 });
}
