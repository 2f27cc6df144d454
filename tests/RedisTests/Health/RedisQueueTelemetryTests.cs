using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Cacheback.Tests.Redis.DependencyInjection;
using Cacheback.Tests.Redis.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Tests.Redis.Health;

/// <summary>The Redis queue's gauges (sampled, never blocking the collector) and its take span.</summary>
[Collection(RedisCollection.Name)]
public class RedisQueueTelemetryTests(RedisServerFixture redis)
{
    [Fact]
    public async Task SampleCounts_ReturnsTheLastSample_AndStartsTheNext()
    {
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request("a"));

        Assert.Null(queue.SampleCounts()); // nothing sampled yet: the gauge reports nothing rather than wait
        await queue.Sampling.WaitAsync(QueueTesting.Bound);

        Assert.Equal(new RedisQueueCounts(1, 0, 0), queue.SampleCounts());
    }

    /// <summary>
    /// A sample that lands before the read returns (here: at once) is the next read's answer, not
    /// this one's: the read answers what was sampled before it. It used to depend on the thread's
    /// luck: a quick Redis reply under load made the first read answer the counts (seen in a full run).
    /// </summary>
    [Fact]
    public async Task SampleCounts_ASampleThatLandsAtOnce_IsTheNextReadsAnswer()
    {
        var samples = 0;
        var gauges = new QueueGauges(() => Task.FromResult(new RedisQueueCounts(++samples, 0, 0)));

        Assert.Null(gauges.SampleCounts());
        await gauges.Sampling.WaitAsync(QueueTesting.Bound);
        Assert.Equal(new RedisQueueCounts(1, 0, 0), gauges.SampleCounts());
        Assert.Equal(new RedisQueueCounts(2, 0, 0), gauges.SampleCounts());
    }

    [Fact]
    public async Task Gauges_OfARuntimeOnRedis_ReportDepthAndDeadLetters()
    {
        var test = nameof(Gauges_OfARuntimeOnRedis_ReportDepthAndDeadLetters);
        var settings = RedisHost.Settings(redis.Server, RedisServerFixture.Prefix(test), test);
        settings["Cacheback:Redis:QueueOptions:MaxAttempts"] = "1";
        using var host = RedisHost.Build(settings);
        host.Services.GetRequiredService<CachebackRuntime>(); // its gauges are on the host's meter
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        var queue = host.Services.GetRequiredService<CachebackRedis>().Queues["default"];
        await queue.EnqueueAsync(QueueTesting.Request("dead"));
        var taken = await queue.TakeNowAsync() ?? throw new InvalidOperationException("not delivered");
        await queue.CompleteAsync(new RefreshOutcome(taken, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException("boom")));
        await queue.EnqueueAsync(QueueTesting.Request("pending"));

        var measured = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CachebackDiagnostics.MeterName && instrument.Meter.Scope == meters)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "cacheback.queue", Value: "default" })
                    measured[instrument.Name] = value;
            }
        });
        listener.Start();

        listener.RecordObservableInstruments(); // starts the sample
        await queue.Sampling.WaitAsync(QueueTesting.Bound);
        listener.RecordObservableInstruments();

        Assert.Equal(1, measured["cacheback.queue.depth"]);
        Assert.Equal(1, measured["cacheback.queue.dead_letters"]);
    }

    [Fact]
    public async Task Take_WithAListener_MakesASpanPerRoundTripThatTookRequests()
    {
        using var queue = Queue();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CachebackDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("cacheback.queue"), queue.Name))
                    spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);

        Assert.Null(await queue.TakeNowAsync()); // an empty poll: no span
        await queue.EnqueueAsync(QueueTesting.Request("a"));
        Assert.NotNull(await queue.TakeNowAsync());

        var span = Assert.Single(spans);
        Assert.Equal("cacheback.redis.take", span.OperationName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(1, span.GetTagItem("cacheback.queue.taken"));
    }

    private RedisRefreshQueue Queue([CallerMemberName] string name = "") => new(redis.Connection, name);
}
