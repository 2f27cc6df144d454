using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Cacheback.Tests.Storage;

/// <summary>Evictions and swept entries are counted by the store and reported on its runtime's Cacheback meter, tagged with the job.</summary>
public class MemoryStoreMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task EvictionsAndExpirations_AreCountedTaggedWithTheJob()
    {
        const string job = "memory-metrics-job";
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CachebackDiagnostics.MeterName && instrument.Name.StartsWith("cacheback.memory.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "cacheback.job", Value: job })
                    totals[instrument.Name] = value; // observable counters report totals
            }
        });
        listener.Start();
        var time = new FakeTimeProvider(T0);
        var store = new MemoryStore(new MemoryStoreOptions { MaxEntries = 10, SweepInterval = TimeSpan.FromSeconds(1) }, time);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Store = store, RunRefreshWorker = false });
        var partition = store.Partition(new PartitionSpec<string>(job, JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

        for (var i = 0; i < 15; i++)
            await partition.WriteAsync("k" + i, Envelope.Fresh(1, "v", T0, T0.AddMinutes(1)), TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(6));
        listener.RecordObservableInstruments();

        Assert.Equal(5, totals["cacheback.memory.evictions"]);
        Assert.Equal(10, totals["cacheback.memory.expirations"]);
        Assert.Equal(0, store.Count);
    }
}
