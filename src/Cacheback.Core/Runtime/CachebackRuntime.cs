using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cacheback;

/// <summary>
/// What cached functions share: a clock, a store, a refresh queue, the registry of job names, the
/// refresh pipeline that drains the queue, and the event stream. <see cref="Default"/> is the
/// embedded one (memory store, in-process queue, no server).
/// </summary>
public sealed class CachebackRuntime : IDisposable
{
    private static readonly Lazy<CachebackRuntime> LazyDefault = new(() => new CachebackRuntime());
    private readonly Subject<RefreshOutcome> _outcomes = new();
    private readonly IDisposable _pipeline;
    private readonly ILogger _refreshLogger;
    private int _disposed;

    /// <summary>Builds a runtime and, unless <see cref="CachebackRuntimeOptions.RunRefreshes"/> is false, starts its refresh pipeline.</summary>
    public CachebackRuntime(CachebackRuntimeOptions? options = null)
    {
        options ??= new CachebackRuntimeOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        options.Refresh.Validate();
        Options = options;
        Clock = new Clock(options.TimeProvider);
        Store = options.Store ?? new MemoryStore(options.TimeProvider);
        Queue = options.Queue ?? new InProcessQueue();
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _refreshLogger = LoggerFactory.CreateLogger("Cacheback.Refresh");
        Registry = new JobRegistry(_refreshLogger);
        _pipeline = options.RunRefreshes
            ? RefreshPipeline.Run(Queue.Requests, Registry.DispatchAsync, options.Refresh, options.Scheduler)
                .SelectMany(async outcome =>
                {
                    await Complete(outcome).ConfigureAwait(false);
                    return outcome;
                })
                .Subscribe(_outcomes.OnNext, e => _outcomes.OnError(e), _outcomes.OnCompleted)
            : System.Reactive.Disposables.Disposable.Empty;
    }

    /// <summary>The embedded runtime: memory store, in-process queue, system clock, no logging.</summary>
    public static CachebackRuntime Default => LazyDefault.Value;

    /// <summary>How this runtime was built.</summary>
    public CachebackRuntimeOptions Options { get; }

    /// <summary>Every decision and refresh outcome of every job in this runtime.</summary>
    public IObservable<CacheEvent> Events => EventHub;

    /// <summary>Each refresh request's outcome, as the pipeline finishes it.</summary>
    public IObservable<RefreshOutcome> Outcomes => _outcomes.AsObservable();

    /// <summary>The jobs this runtime can refresh, by name.</summary>
    public JobRegistry Registry { get; }

    /// <summary>The store.</summary>
    public ICacheStore Store { get; }

    /// <summary>The refresh queue.</summary>
    public IRefreshQueue Queue { get; }

    internal Clock Clock { get; }
    internal ILoggerFactory LoggerFactory { get; }
    internal EventHub EventHub { get; } = new();

    /// <summary>Stops the refresh pipeline and the event stream.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _pipeline.Dispose();
        (Queue as InProcessQueue)?.Close();
        _outcomes.OnCompleted();
        _outcomes.Dispose();
        EventHub.Dispose();
    }

    private async Task Complete(RefreshOutcome outcome)
    {
        var (request, result, duration, error) = (outcome.Request, outcome.Result, outcome.Duration, outcome.Error);
        var tag = CachebackMetrics.JobTag(request.Job);
        switch (result)
        {
            case RefreshResult.Succeeded:
                CachebackMetrics.RefreshesSucceeded.Add(1, tag);
                break;
            case RefreshResult.Failed or RefreshResult.TimedOut:
                CachebackMetrics.RefreshesFailed.Add(1, tag);
                Log.RefreshFailed(_refreshLogger, request.Job, request.Key, result, duration, request.Attempt, error);
                break;
        }

        Log.RefreshCompleted(_refreshLogger, request.Job, request.Key, result, duration);
        if (EventHub.IsObserved)
            EventHub.Publish(new CacheEvent(CacheEventKind.RefreshCompleted, request.Job, request.Key, Clock.Now()) { Result = result, Duration = duration, Error = error });
        try
        {
            await Queue.CompleteAsync(outcome).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A queue that cannot acknowledge will redeliver: log it and carry on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.AcknowledgeFailed(_refreshLogger, request.Job, request.Key, result, e);
        }
    }
}
