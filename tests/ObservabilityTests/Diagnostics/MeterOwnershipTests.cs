using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Tests.Observability.Diagnostics;

/// <summary>Whose meter it is: the runtime's own without a host, the host's IMeterFactory's with one.</summary>
public sealed class MeterOwnershipTests
{
    [Fact]
    public void Meter_WithoutAFactory_IsTheRuntimesOwn_AndEndsWithIt()
    {
        var runtime = new CachebackRuntime();
        var meter = runtime.Metrics.Meter;
        var completed = new List<string>();
        using var listener = Listen(meter, completed);

        runtime.Dispose();

        Assert.Null(meter.Scope);
        Assert.Contains("cacheback.hits", completed);
        Assert.Contains("cacheback.queue.depth", completed);
    }

    [Fact]
    public void Meter_FromAFactory_IsTheFactorys_AndOutlivesTheRuntime()
    {
        var services = new ServiceCollection().AddMetrics();
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        var runtime = new CachebackRuntime(new CachebackRuntimeOptions { MeterFactory = factory });
        var meter = runtime.Metrics.Meter;
        var completed = new List<string>();
        using var listener = Listen(meter, completed);

        runtime.Dispose();
        Assert.Empty(completed);
        provider.Dispose();

        Assert.Same(factory, meter.Scope);
        Assert.Contains("cacheback.hits", completed);
    }

    private static MeterListener Listen(Meter meter, List<string> completed)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                    l.EnableMeasurementEvents(instrument);
            },
            MeasurementsCompleted = (instrument, _) =>
            {
                lock (completed)
                    completed.Add(instrument.Name);
            },
        };
        listener.Start();
        return listener;
    }
}
