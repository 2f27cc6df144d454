using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cacheback.Tests.Observability.OpenTelemetry;

/// <summary>
/// What an app sees through the OpenTelemetry SDK when it adds the source and the meter named
/// "Cacheback", in a host built with AddCacheback (so the meter comes from the host's IMeterFactory).
/// </summary>
public sealed class OpenTelemetryTests : IAsyncLifetime
{
    private const string Job = "otel-profiles";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly SpanWaiter _waiter = new(Job);
    private readonly IHost _host;

    public OpenTelemetryTests()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddCacheback();
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(CachebackDiagnostics.ActivitySourceName).AddInMemoryExporter(_spans).AddProcessor(_waiter))
            .WithMetrics(m => m.AddMeter(CachebackDiagnostics.MeterName).AddInMemoryExporter(_metrics));
        _host = builder.Build();
    }

    private CachebackRuntime Runtime => _host.Services.GetRequiredService<CachebackRuntime>();

    public Task InitializeAsync() => _host.StartAsync();

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public void Meter_InAHost_IsMadeByTheHostsMeterFactory()
    {
        Assert.Same(_host.Services.GetRequiredService<IMeterFactory>(), Runtime.Metrics.Meter.Scope);
        Assert.Equal("Cacheback", Runtime.Metrics.Meter.Name);
    }

    [Fact]
    public async Task MissHitStale_AreTracedAndCounted()
    {
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k + "!"), Policy.Create(lifetime: TimeSpan.FromSeconds(10)), runtime: Runtime, name: Job);
        var outcome = Runtime.Outcomes.FirstAsync().ToTask();

        await cached.GetAsync("a"); // miss: a synchronous fetch
        var afterMiss = Ours().Count;
        await cached.GetAsync("a"); // hit: no span at all
        Assert.Equal(afterMiss, Ours().Count);
        _time.Advance(TimeSpan.FromSeconds(11));
        await cached.GetAsync("a"); // stale: a claim, then the worker takes and refreshes
        var take = await _waiter.Ended("cacheback.queue.take");
        var refresh = await _waiter.Ended("cacheback.refresh");
        Assert.Equal(RefreshResult.Succeeded, (await outcome.WaitAsync(TimeSpan.FromSeconds(10))).Result);

        var fetch = Assert.Single(Ours(), s => s.OperationName == "cacheback.fetch");
        Assert.Equal(Job, fetch.GetTagItem("cacheback.job"));
        Assert.Equal("miss", fetch.GetTagItem("cacheback.status"));
        Assert.Equal("succeeded", fetch.GetTagItem("cacheback.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, fetch.Status);
        var claim = Assert.Single(Ours(), s => s.OperationName == "cacheback.claim");
        Assert.Equal("won", claim.GetTagItem("cacheback.outcome"));
        Assert.Equal(Job, take.GetTagItem("cacheback.job"));
        Assert.Equal(ActivityKind.Consumer, take.Kind);
        Assert.Equal("succeeded", refresh.GetTagItem("cacheback.outcome"));
        Assert.Equal(fetch.GetTagItem("cacheback.key"), refresh.GetTagItem("cacheback.key"));
        // One trace from the take to the refresh it handed over.
        Assert.Equal(take.TraceId, refresh.TraceId);
        Assert.Equal(take.SpanId, refresh.ParentSpanId);

        var metrics = Collect();
        Assert.Equal(1, Sum(metrics, "cacheback.misses"));
        Assert.Equal(1, Sum(metrics, "cacheback.hits"));
        Assert.Equal(1, Sum(metrics, "cacheback.stale_hits"));
        Assert.Equal(1, Sum(metrics, "cacheback.refreshes.started"));
        Assert.Equal(1, Sum(metrics, "cacheback.refreshes.succeeded"));
        Assert.Equal(2, Points(metrics, "cacheback.fetch.duration").Sum(p => p.GetHistogramCount()));
        var depth = Assert.Single(Points(metrics, "cacheback.queue.depth"));
        Assert.Equal("default", Tag(depth, "cacheback.queue"));
        Assert.Equal(0, depth.GetGaugeLastValueLong());
        Assert.Equal(0, Assert.Single(Points(metrics, "cacheback.refreshes.in_flight")).GetGaugeLastValueLong());
    }

    [Fact]
    public async Task Failures_SetTheErrorStatusWithTheException()
    {
        var fail = true;
        var cached = Cache.Wrap<string, string>(
            (k, _) => fail ? throw new InvalidOperationException("backend down") : Task.FromResult(k),
            Policy.Create(lifetime: TimeSpan.FromSeconds(10)),
            runtime: Runtime,
            name: Job);

        await Assert.ThrowsAsync<InvalidOperationException>(() => cached.GetAsync("a").AsTask());
        var fetch = Assert.Single(Ours(), s => s.OperationName == "cacheback.fetch");
        Assert.Equal(ActivityStatusCode.Error, fetch.Status);
        Assert.Equal("failed", fetch.GetTagItem("cacheback.outcome"));
        Assert.Contains(fetch.Events, e => e.Name == "exception" && Equals(e.Tags.FirstOrDefault(t => t.Key == "exception.message").Value, "backend down"));

        fail = false;
        await cached.GetAsync("a");
        fail = true;
        _time.Advance(TimeSpan.FromSeconds(11));
        await cached.GetAsync("a"); // stale: the background refresh fails
        var refresh = await _waiter.Ended("cacheback.refresh");
        Assert.Equal(ActivityStatusCode.Error, refresh.Status);
        Assert.Equal("failed", refresh.GetTagItem("cacheback.outcome"));
        Assert.Contains(refresh.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task Take_OfAWorkerStartedInsideASpan_StartsATraceOfItsOwn()
    {
        CachebackRuntime runtime;
        Activity outer;
        using (outer = new Activity("the web request that first built the runtime").Start())
            runtime = new CachebackRuntime(); // its worker starts here, inside the request's span
        using (runtime)
        {
            var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: runtime, name: Job);

            await cached.EnqueueRefreshAsync("a");

            var take = await _waiter.Ended("cacheback.queue.take");
            Assert.NotEqual(outer.TraceId, take.TraceId);
            Assert.Equal(default, take.ParentSpanId);
            Assert.Equal(take.SpanId, (await _waiter.Ended("cacheback.refresh")).ParentSpanId);
        }
    }

    private List<Activity> Ours()
    {
        lock (_spans)
            return _spans.Where(s => Equals(s.GetTagItem("cacheback.job"), Job)).ToList();
    }

    private List<MetricSnapshot> Collect()
    {
        Assert.True(_host.Services.GetRequiredService<MeterProvider>().ForceFlush());
        return _metrics.ToList();
    }

    private static IEnumerable<MetricPoint> Points(List<MetricSnapshot> metrics, string name)
    {
        // The last export holds the cumulative totals.
        var metric = metrics.LastOrDefault(m => m.Name == name) ?? throw new InvalidOperationException($"No {name} was exported; there were: {string.Join(", ", metrics.Select(m => m.Name).Distinct())}.");
        return metric.MetricPoints;
    }

    private static long Sum(List<MetricSnapshot> metrics, string name) =>
        Points(metrics, name).Where(p => Equals(Tag(p, "cacheback.job"), Job)).Sum(p => p.GetSumLong());

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
                return tag.Value;
        }

        return null;
    }
}
