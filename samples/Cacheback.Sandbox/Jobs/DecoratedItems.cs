using Cacheback.Sandbox.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Sandbox.Jobs;

/// <summary>
/// The seed's <c>@cacheback(5) def decorated(q)</c>: a method turned into a cached function by the
/// decorator's definition, <c>runtime.Wrap(new JobDefinition(fetch) { Name = ..., Policy = ... })</c>, on the app's runtime. One instance
/// (a singleton), made when the host starts, so a worker that registers it too refreshes it.
/// </summary>
public sealed class DecoratedItems : IDisposable
{
    public const string JobName = "decorated";

    private readonly IServiceProvider _services;

    public DecoratedItems(CachebackRuntime runtime, IServiceProvider services)
    {
        _services = services;
        Cached = runtime.Wrap(new JobDefinition<string, Item[]>(FetchAsync) { Policy = Policy.Create(lifetime: TimeSpan.FromSeconds(5)), Name = JobName });
    }

    /// <summary>The job behind the function: <c>GetAsync</c>, <c>InvalidateAsync</c>, <c>RawGetAsync</c>...</summary>
    public CachedFetch<string, Item[]> Cached { get; }

    /// <summary>Calls the decorated function: read through the cache.</summary>
    public ValueTask<Item[]> GetAsync(string q, CancellationToken cancellationToken = default) => Cached.GetAsync(q, cancellationToken);

    public void Dispose() => Cached.Dispose();

    private async Task<Item[]> FetchAsync(string q, CancellationToken cancellationToken)
    {
        // A singleton's fetch: its own scope, for its own DbContext.
        var scope = _services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
            return await ItemFunctions.ContainingAsync(scope.ServiceProvider, q, JobName, cancellationToken).ConfigureAwait(false);
    }
}
