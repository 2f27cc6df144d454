using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cacheback;

/// <summary>Registers cached functions in a service collection, on the app's Cacheback runtime.</summary>
public static class CachedFetchServiceCollectionExtensions
{
    /// <summary>
    /// Adds a cached function named <paramref name="name"/> on the app's <see cref="CachebackRuntime"/>
    /// (its stores, queues, logging and default policy): a singleton
    /// <see cref="CachedFetch{TArgs, TResult}"/>, resolved by its name
    /// (<c>[FromKeyedServices("products")] CachedFetch&lt;int, Product&gt; products</c>), or by its
    /// type alone when it is the only one of its types. It is registered by name when the host
    /// starts, so a worker process that adds it too refreshes it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The job's name: its store partition and its name in refresh requests; the same on every node.</param>
    /// <param name="fetch">The expensive read, given the services of a DI scope of its own (scoped services such as a DbContext are new for each fetch, and disposed after it: a fetch is shared by concurrent callers and may run in the background).</param>
    /// <param name="define">
    /// Sets the rest of the job on the definition made of the name and the fetch (policy, key, empty
    /// value, serializers, store, queue, tags, hooks): <c>job =&gt; job with { Policy = ..., Tags = ... }</c>.
    /// Default: the runtime's defaults (the policy from the <c>"Cacheback"</c> section). The name and the fetch it returns are ignored.
    /// </param>
    /// <exception cref="ArgumentException">The name is unusable, or another cached function registered here has it.</exception>
    public static IServiceCollection AddCachedFetch<TArgs, TResult>(
        this IServiceCollection services,
        string name,
        Func<IServiceProvider, TArgs, CancellationToken, Task<TResult>> fetch,
        Func<JobDefinition<TArgs, TResult>, JobDefinition<TArgs, TResult>>? define = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(fetch);
        JobName.Validate(name);
        if (services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, name) && d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(CachedFetch<,>)))
            throw new ArgumentException($"A cached function named '{name}' is already registered; job names must be unique.", nameof(name));
        services.AddCacheback();
        services.AddKeyedSingleton(name, (provider, _) =>
        {
            var scopes = provider.GetRequiredService<IServiceScopeFactory>();
            Func<TArgs, CancellationToken, Task<TResult>> scoped = (args, cancellationToken) => FetchInScopeAsync(scopes, fetch, args, cancellationToken);
            var definition = new JobDefinition<TArgs, TResult>(scoped);
            definition = (define?.Invoke(definition) ?? definition) with { Name = name, Fetch = scoped };
            return Cache.Wrap(definition, provider.GetRequiredService<CachebackRuntime>());
        });
        services.AddSingleton(new CachedFetchName<TArgs, TResult>(name));
        services.TryAddSingleton(TheOnlyOne<TArgs, TResult>);
        services.AddSingleton<ICachebackJob>(provider => new CachedFetchJob<TArgs, TResult>(name, provider));
        return services;
    }

    private static async Task<TResult> FetchInScopeAsync<TArgs, TResult>(
        IServiceScopeFactory scopes, Func<IServiceProvider, TArgs, CancellationToken, Task<TResult>> fetch, TArgs args, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
            return await fetch(scope.ServiceProvider, args, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cached function of these types, asked for without a name: there must be exactly one.</summary>
    private static CachedFetch<TArgs, TResult> TheOnlyOne<TArgs, TResult>(IServiceProvider provider)
    {
        var names = provider.GetServices<CachedFetchName<TArgs, TResult>>().Select(n => n.Name).ToArray();
        return names.Length == 1
            ? provider.GetRequiredKeyedService<CachedFetch<TArgs, TResult>>(names[0])
            : throw new InvalidOperationException(
                $"{names.Length} cached functions of CachedFetch<{typeof(TArgs).Name}, {typeof(TResult).Name}> are registered ({string.Join(", ", names)}): "
                + "ask for one by its name ([FromKeyedServices(\"name\")] or GetRequiredKeyedService).");
    }

    /// <summary>The name of a cached function of these types, so that an unkeyed request can tell whether it is the only one.</summary>
    private sealed record CachedFetchName<TArgs, TResult>(string Name);

    /// <summary>What the hosted service registers at start: the cached function, made on first resolution.</summary>
    private sealed class CachedFetchJob<TArgs, TResult>(string name, IServiceProvider provider) : ICachebackJob
    {
        public string Name => name;

        public void AttachTo(CachebackRuntime runtime)
        {
            // Made on the container's runtime, always.
        }

        public void Register() => provider.GetRequiredKeyedService<CachedFetch<TArgs, TResult>>(name);
    }
}
