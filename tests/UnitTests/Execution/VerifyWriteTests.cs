namespace Cacheback.Tests.Execution;

/// <summary>Issue 10, defect 13: on a store that silently drops writes, SetAsync and RefreshAsync returned normally.</summary>
public class VerifyWriteTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    /// <summary>A store that says every write succeeded and, once <see cref="Dropping"/> is set, keeps none of them.</summary>
    private sealed class DroppingStore(ICacheStore inner) : ICacheStore
    {
        public bool Dropping { get; set; }

        public int Reads;

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new DroppingPartition<T>(inner.Partition(spec), this);

        private sealed class DroppingPartition<T>(IEnvelopeStore<T> inner, DroppingStore owner) : IEnvelopeStore<T>
        {
            public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref owner.Reads);
                return inner.ReadAsync(key, cancellationToken);
            }

            public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                owner.Dropping ? new(true) : inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);

            public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                owner.Dropping ? ValueTask.CompletedTask : inner.WriteAsync(key, envelope, ttl, cancellationToken);

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
        }
    }

    private static (Harness Harness, DroppingStore Store, CachedFetch<string, string> Cached) Create(string name)
    {
        var store = new DroppingStore(new MemoryStore());
        var h = new Harness(store: store);
        var calls = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"fetched {++calls}"), Policy, runtime: h.Runtime, name: name);
        return (h, store, cached);
    }

    private static void AssertSaysWhy(Exception e, string job)
    {
        Assert.Equal("CacheWriteNotVerifiedException", e.GetType().Name);
        Assert.Contains(job, e.Message, StringComparison.Ordinal);
        Assert.Contains("'k'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAsync_StoreDropsTheWrite_Throws()
    {
        var (h, store, cached) = Create("verify-set");
        store.Dropping = true;

        AssertSaysWhy(await Assert.ThrowsAnyAsync<Exception>(() => cached.SetAsync("k", "v")), "verify-set");
        h.Dispose();
    }

    [Fact]
    public async Task SetAsync_StoreDropsTheWriteOverAnOlderValue_Throws()
    {
        var (h, store, cached) = Create("verify-set-over");
        await cached.SetAsync("k", "old");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        store.Dropping = true;

        AssertSaysWhy(await Assert.ThrowsAnyAsync<Exception>(() => cached.SetAsync("k", "new")), "verify-set-over");
        h.Dispose();
    }

    [Fact]
    public async Task RefreshAsync_StoreDropsTheWrite_Throws()
    {
        var (h, store, cached) = Create("verify-refresh");
        store.Dropping = true;

        AssertSaysWhy(await Assert.ThrowsAnyAsync<Exception>(() => cached.RefreshAsync("k")), "verify-refresh");
        h.Dispose();
    }

    [Fact]
    public async Task SetAndRefresh_StoreKeepsTheWrite_ReturnNormally()
    {
        var (h, _, cached) = Create("verify-ok");

        await cached.SetAsync("k", "v");
        Assert.Equal("fetched 1", await cached.RefreshAsync("k"));
        Assert.Equal("fetched 1", await cached.GetAsync("k"));
        h.Dispose();
    }

    [Fact]
    public async Task GetAsync_StoreDropsTheWriteBack_IsNotVerified_AndServesTheValue()
    {
        var (h, store, cached) = Create("verify-not-on-reads");
        store.Dropping = true;

        Assert.Equal("fetched 1", await cached.GetAsync("k"));
        Assert.Equal(1, store.Reads); // the read itself, no read-back
        h.Dispose();
    }

    [Fact]
    public async Task SetAsync_VerificationOff_StoreDropsTheWrite_ReturnsNormally()
    {
        var store = new DroppingStore(new MemoryStore()) { Dropping = true };
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { Store = store, VerifyCacheWrite = false });
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy, runtime: runtime, name: "verify-off");

        await cached.SetAsync("k", "v");

        Assert.Equal(0, store.Reads);
    }

    [Fact]
    public async Task AddCacheback_VerifyCacheWriteSetting_ReachesTheRuntime()
    {
        using var host = Cacheback.Tests.CSharp.DependencyInjection.TestHost.Build(
            new() { ["Cacheback:VerifyCacheWrite"] = "false" },
            s => CachebackServiceCollectionExtensions.AddCacheback(s));

        var runtime = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CachebackRuntime>(host.Services);

        Assert.False(runtime.Options.VerifyCacheWrite);
        Assert.True(new CachebackRuntimeOptions().VerifyCacheWrite);
    }
}
