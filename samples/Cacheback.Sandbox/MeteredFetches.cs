using System.Diagnostics.Metrics;
using Cacheback.Sandbox.Jobs;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Sandbox;

/// <summary>
/// Counts the fetches of the ready-made EF Core jobs (<see cref="ItemQueries"/>) into the
/// <see cref="FetchCounter"/>: their fetch is the library's, so there is no line of ours to count in.
/// </summary>
/// <remarks>
/// Why the runtime's meter: its <c>cacheback.fetch.duration</c> histogram records every fetch that
/// returned, a read's own (a miss with fetch on miss) and a background refresh alike, tagged with
/// the job's name — the same number an OpenTelemetry exporter charts per job, read here with a
/// <see cref="MeterListener"/> as the exporter reads it. The event stream (<c>runtime.Events</c>)
/// reports only background refreshes as completed, so it would miss the get job's fetches on a miss;
/// an EF Core <c>DbCommandInterceptor</c> sees every query but cannot tell which job ran it (the keyed
/// and filter jobs send the same SQL). Like every measurement, it counts this process's fetches: on a
/// web node over Redis, the workers fetch, and the web node's count stays 0.
/// </remarks>
internal sealed class MeteredFetches : IHostedService, IDisposable
{
    private const string FetchDuration = "cacheback.fetch.duration";
    private const string JobTag = "cacheback.job";

    private readonly MeterListener _listener;

    public MeteredFetches(FetchCounter counter, IMeterFactory? meters = null)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // This host's runtime only: each host (a test's, say) has its own meter factory, and its own runtime's meter named Cacheback.
                if (instrument.Meter.Name == CachebackDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == FetchDuration)
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == JobTag && tag.Value is string job && ItemQueries.Jobs.Contains(job))
                    counter.Record(job);
            }
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _listener.Dispose();
}
