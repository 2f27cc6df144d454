namespace Cacheback.Benchmarks.Memory;

/// <summary>The store under test, bounded just above twice the number of keys (the wrapped function's and the job's) so that nothing is evicted.</summary>
internal static class MemoryBenchmarkStore
{
    public static MemoryStore Create(int keys) => new(new MemoryStoreOptions { MaxEntries = (2 * keys) + 1 });
}
