using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cacheback.Tests.Diagnostics;

public class MetricsTests
{
    [Fact]
    public async Task Reads_AreCountedOnTheCachebackMeter_TaggedWithTheJob()
    {
        const string job = "metrics-job";
        var measurements = new ConcurrentQueue<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Cacheback")
                l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "cacheback.job", Value: job })
                    measurements.Enqueue((instrument.Name, value));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult("v"), Policy.Create(lifetime: TimeSpan.FromSeconds(10)), runtime: h.Runtime, name: job);
        var refreshed = h.NextOutcome();
        await cached.GetAsync("k"); // miss
        await cached.GetAsync("k"); // hit
        h.Time.Advance(TimeSpan.FromSeconds(11));
        await cached.GetAsync("k"); // stale, refresh
        await refreshed;

        int Count(string name) => (int)measurements.Where(m => m.Instrument == name).Sum(m => m.Value);
        Assert.Equal(1, Count("cacheback.misses"));
        Assert.Equal(1, Count("cacheback.hits"));
        Assert.Equal(1, Count("cacheback.stale_hits"));
        Assert.Equal(1, Count("cacheback.refreshes.started"));
        Assert.Equal(1, Count("cacheback.refreshes.succeeded"));
        Assert.Equal(2, measurements.Count(m => m.Instrument == "cacheback.fetch.duration"));
    }
}
