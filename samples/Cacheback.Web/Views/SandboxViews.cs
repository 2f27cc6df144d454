using Cacheback.Sandbox;
using Cacheback.Sandbox.Data;
using Cacheback.Sandbox.Jobs;

namespace Cacheback.Web.Views;

/// <summary>
/// The seed's one view (<c>dummyapp.views.index</c>), its job chosen by the query string:
/// <c>/</c> vanilla, <c>/?name=Item_1</c> keyed, <c>/?name=Item_1&amp;qs</c> query filter,
/// <c>/?name=Item_1&amp;get</c> query get,
/// <c>/?function</c> and <c>/?function&amp;q=3</c> cached functions, <c>/?decorator</c> the decorated function.
/// </summary>
internal static class SandboxViews
{
    public static void MapSandboxViews(this IEndpointRouteBuilder app) =>
        app.MapGet("/", async (HttpContext http, IServiceProvider services, CancellationToken cancellationToken) =>
        {
            var read = await ReadAsync(http.Request.Query, services, cancellationToken);
            http.Response.Headers["X-Cache-Status"] = read.Status;
            http.Response.Headers["X-Cache-Job"] = read.Job;
            return Results.Content(IndexPage.Render(read), "text/html; charset=utf-8");
        });

    private static Task<ViewRead> ReadAsync(IQueryCollection query, IServiceProvider services, CancellationToken cancellationToken)
    {
        var time = services.GetRequiredService<CachebackRuntime>().Options.TimeProvider;
        var counter = services.GetRequiredService<FetchCounter>();
        if (query["name"] is [{ } name])
        {
            if (query.ContainsKey("qs"))
            {
                // The library's EntityFilterJob, registered by name (AddEntityFilterJob): the query is field/value pairs.
                var filter = services.GetRequiredKeyedService<EntityFilterJob<Item>>(ItemQueries.FilterJob);
                var named = FieldValues.Of(nameof(Item.Name), name);
                return ViewRead.ReadAsync($"?name={name}&qs", ItemQueries.FilterJob,
                    "A query-filter job (EntityFilterJob, the seed's QuerySetFilterJob): the items named so, keyed by the entity and the field/value pair; 10 s lifetime, no fetch on a miss (the first read is empty).",
                    time, () => counter[ItemQueries.FilterJob], () => filter.RawGetAsync(named, cancellationToken), () => filter.GetAsync(named, cancellationToken), items => [.. items]);
            }

            if (query.ContainsKey("get"))
            {
                var get = services.GetRequiredKeyedService<EntityGetJob<Item>>(ItemQueries.GetJob);
                var named = FieldValues.Of(nameof(Item.Name), name);
                return ViewRead.ReadAsync($"?name={name}&get", ItemQueries.GetJob,
                    "A query-get job (EntityGetJob, the seed's QuerySetGetJob): the one item named so, or none (cached too); 10 s lifetime, a miss fetches before answering.",
                    time, () => counter[ItemQueries.GetJob], () => get.RawGetAsync(named, cancellationToken), () => get.GetAsync(named, cancellationToken), item => item is null ? [] : [item]);
            }

            var keyed = services.GetRequiredService<KeyedJob>();
            return ViewRead.ReadAsync($"?name={name}", KeyedJob.JobName,
                "A keyed job: the name is the key. Stale after 5 s (served at once, refreshed behind); older than 10 s, the read fetches first.",
                time, () => counter[KeyedJob.JobName], () => keyed.RawGetAsync(name, cancellationToken), () => keyed.GetAsync(name, cancellationToken));
        }

        if (query.ContainsKey("function"))
        {
            if (query["q"] is [{ } q])
            {
                var containing = services.GetRequiredKeyedService<CachedFetch<string, Item[]>>(ItemFunctions.ContainingJob);
                return ViewRead.ReadAsync($"?function&q={q}", ItemFunctions.ContainingJob,
                    "A cached function with an argument (AddCachedFetch): the items whose name contains q; no fetch on a miss.",
                    time, () => counter[ItemFunctions.ContainingJob], () => containing.RawGetAsync(q, cancellationToken), () => containing.GetAsync(q, cancellationToken));
            }

            var containingOne = services.GetRequiredService<CachedFetch<ValueTuple, Item[]>>();
            return ViewRead.ReadAsync("?function", ItemFunctions.ContainingOneJob,
                "A cached function without an argument (AddCachedFetch): the items whose name contains 1; no fetch on a miss.",
                time, () => counter[ItemFunctions.ContainingOneJob], () => containingOne.RawGetAsync(default, cancellationToken), () => containingOne.GetAsync(default, cancellationToken));
        }

        if (query.ContainsKey("decorator"))
        {
            var decorated = services.GetRequiredService<DecoratedItems>();
            return ViewRead.ReadAsync("?decorator", DecoratedItems.JobName,
                "A decorated function (fetch.Cached(policy)): decorated(\"3\"), 5 s lifetime, fetched on a miss.",
                time, () => counter[DecoratedItems.JobName], () => decorated.Cached.RawGetAsync("3", cancellationToken), () => decorated.GetAsync("3", cancellationToken));
        }

        var vanilla = services.GetRequiredService<VanillaJob>();
        return ViewRead.ReadAsync("", VanillaJob.JobName,
            "The vanilla job: every item, from a slow fetch. No fetch on a miss: the first read is empty and the fetch runs behind; reload in a few seconds.",
            time, () => counter[VanillaJob.JobName], () => vanilla.RawGetAsync(default, cancellationToken), () => vanilla.GetAsync(default, cancellationToken));
    }
}
