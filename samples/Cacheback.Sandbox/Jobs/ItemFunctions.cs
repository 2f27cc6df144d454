using Cacheback.Sandbox.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Sandbox.Jobs;

/// <summary>
/// The seed's function jobs (<c>FunctionJob().get(fetch)</c> and <c>.get(fetch_with_arg, q)</c>,
/// with <c>fetch_on_miss</c> off): plain functions, cached by name with <c>AddCachedFetch</c>.
/// </summary>
public static class ItemFunctions
{
    /// <summary>The cached function without an argument: the items whose name contains "1".</summary>
    public const string ContainingOneJob = "items-containing-1";

    /// <summary>The cached function with an argument: the items whose name contains <c>q</c>.</summary>
    public const string ContainingJob = "items-containing";

    /// <summary>Both functions' policy: a miss returns the empty list at once and fills in the background.</summary>
    public static readonly Policy Policy = Policy.Create(fetchOnMiss: false);

    /// <summary>The seed's <c>fetch()</c>.</summary>
    public static Task<Item[]> ContainingOneAsync(IServiceProvider services, ValueTuple args, CancellationToken cancellationToken) =>
        ContainingAsync(services, "1", ContainingOneJob, cancellationToken);

    /// <summary>The seed's <c>fetch_with_arg(q)</c>.</summary>
    public static Task<Item[]> ContainingAsync(IServiceProvider services, string q, CancellationToken cancellationToken) =>
        ContainingAsync(services, q, ContainingJob, cancellationToken);

    /// <summary>The query both share; <paramref name="services"/> are those of the fetch's own scope.</summary>
    internal static async Task<Item[]> ContainingAsync(IServiceProvider services, string q, string job, CancellationToken cancellationToken)
    {
        var factory = services.GetRequiredService<IDbContextFactory<SandboxDb>>();
        await using var context = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var items = await context.Items.AsNoTracking().Where(i => i.Name.Contains(q)).OrderBy(i => i.Id).ToArrayAsync(cancellationToken).ConfigureAwait(false);
        services.GetRequiredService<FetchCounter>().Record(job);
        return items;
    }
}
