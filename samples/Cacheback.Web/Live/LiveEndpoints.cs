using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Cacheback.Web.Live;

/// <summary>The live page (<c>/cacheback</c>) and its stream of server-sent events (<c>/cacheback/stream</c>).</summary>
internal static class LiveEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddLiveFeed(this IServiceCollection services, bool onRedis)
    {
        services.AddSingleton<LiveFeed>();
        services.AddSingleton(new LiveSettings(onRedis));
        return services;
    }

    public static void MapLivePage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cacheback", (LiveSettings settings) => Results.Content(LivePage.Render(settings.OnRedis), "text/html; charset=utf-8"));
        // A "hello" with the recent events, then a "tick" every second until the page goes.
        app.MapGet("/cacheback/stream", (LiveFeed feed, LiveSettings settings, CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(StreamAsync(feed, settings, cancellationToken)));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(LiveFeed feed, LiveSettings settings, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var watch = feed.Subscribe();
        yield return new SseItem<string>(JsonSerializer.Serialize(new { settings.OnRedis, Recent = feed.Recent }, Json), "hello");
        await foreach (var tick in watch.Ticks.ReadAllAsync(cancellationToken))
            yield return new SseItem<string>(JsonSerializer.Serialize(tick, Json), "tick");
    }

    /// <summary>What the page says about the deployment.</summary>
    internal sealed record LiveSettings(bool OnRedis);
}
