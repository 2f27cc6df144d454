using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Hybrid;

/// <summary>
/// A factory registered by name (<c>AddCachebackHybridFactory</c>): the keys starting with its
/// prefix have their stale refreshes queued to the runtime's refresh queue and run by whichever
/// process runs refreshes (an <c>AddCachebackWorker</c> host), with this factory, there.
/// </summary>
internal abstract class HybridFactory
{
    protected HybridFactory(string name, string keyPrefix)
    {
        JobName.Validate(JobNameOf(name));
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        Name = name;
        KeyPrefix = keyPrefix;
        RequestName = JobNameOf(name);
    }

    /// <summary>The name it was registered under.</summary>
    public string Name { get; }

    /// <summary>The keys it makes: those that start with this.</summary>
    public string KeyPrefix { get; }

    /// <summary>The name its refresh requests carry: <c>hybrid.{name}</c>.</summary>
    public string RequestName { get; }

    /// <summary>The type of value it makes.</summary>
    public abstract Type ValueType { get; }

    public static string JobNameOf(string name) => "hybrid." + name;

    /// <summary>The handler that runs its refreshes on <paramref name="cache"/>.</summary>
    public abstract IRefreshHandler HandlerFor(CachebackHybridCache cache, IServiceProvider services);
}

/// <summary>A named factory of <typeparamref name="T"/> values.</summary>
internal sealed class HybridFactory<T>(string name, string keyPrefix, Func<IServiceProvider, string, CancellationToken, ValueTask<T>> factory)
    : HybridFactory(name, keyPrefix)
{
    public override Type ValueType => typeof(T);

    /// <summary>Runs the factory for <paramref name="key"/> in a DI scope of its own, disposed after it.</summary>
    public async ValueTask<T> RunAsync(IServiceProvider services, string key, CancellationToken cancellationToken)
    {
        var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
            return await factory(scope.ServiceProvider, key, cancellationToken).ConfigureAwait(false);
    }

    public override IRefreshHandler HandlerFor(CachebackHybridCache cache, IServiceProvider services) => new Handler(cache, this, services);

    private sealed class Handler(CachebackHybridCache cache, HybridFactory<T> factory, IServiceProvider services) : IRefreshHandler
    {
        public TimeSpan? Timeout => cache.Options.RefreshTimeout;

        public Task<RefreshResult> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken) =>
            cache.RunNamedRefreshAsync(request, factory, services, cancellationToken);
    }
}
