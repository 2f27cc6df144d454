using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cacheback.Tests.Storage;

/// <summary>Evictions and swept entries are counted on the Cacheback meter, tagged with the job.</summary>
public class MemoryStoreMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EvictionsAndExpirations_AreCountedTaggedWithTheJob()
    {
        const string job = "memory-metrics-job";
        var measurements = new ConcurrentQueue<(string Instrument, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CachebackMetrics.MeterName && instrument.Name.StartsWith("cacheback.memory.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "cacheback.job", Value: job })
                    measurements.Enqueue((instrument.Name, value));
            }
        });
        listener.Start();
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore(new MemoryStoreOptions { MaxEntries = 10, SweepInterval = TimeSpan.FromSeconds(1) }, time);
        var partition = store.Partition(new PartitionSpec<string>(job, JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

        for (var i = 0; i < 15; i++)
            await partition.WriteAsync("k" + i, Envelope.Fresh(1, "v", T0, T0.AddMinutes(1)), TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(5, measurements.Where(m => m.Instrument == "cacheback.memory.evictions").Sum(m => m.Value));
        Assert.Equal(10, measurements.Where(m => m.Instrument == "cacheback.memory.expirations").Sum(m => m.Value));
        Assert.Equal(0, store.Count);
    }
}
