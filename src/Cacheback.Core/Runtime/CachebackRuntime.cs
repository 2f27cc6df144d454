using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cacheback;

/// <summary>
/// What cached functions share: a clock, stores, refresh queues, the registry of job names, the
/// refresh worker that drains the queues, and the event stream. <see cref="Default"/> is the
/// embedded one (memory store, in-process queue, no server).
/// </summary>
public sealed class CachebackRuntime : IDisposable
{
    private static readonly Lazy<CachebackRuntime> LazyDefault = new(() => new CachebackRuntime { IsAmbient = true });
    private readonly Dictionary<string, ICacheStore> _stores;
    private readonly Dictionary<string, IRefreshQueue> _queues;
    private readonly ILogger _refreshLogger;
    private readonly StoreClockSync? _clockSync;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ITagBook> _tagBooks = new(StringComparer.Ordinal);
    private IDisposable? _hosted;
    private int _disposed;

    /// <summary>
    /// Builds a runtime and, unless <see cref="CachebackRuntimeOptions.RunRefreshWorker"/> is false, starts its refresh worker.
    /// When a store keeps a clock of its own (<see cref="IStoreClock"/>, Redis's), its offset is measured first: a few round trips.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An option is invalid (the message names it), or a store's <see cref="IStoreClock.ClockSyncInterval"/> is out of its bounds,
    /// or a memory store (<see cref="MemoryStore"/>, <see cref="MemoryBinaryStore"/> in an <see cref="EncodedStore"/>) reads another
    /// <see cref="TimeProvider"/> than <see cref="CachebackRuntimeOptions.TimeProvider"/> (the message names both).
    /// </exception>
    public CachebackRuntime(CachebackRuntimeOptions? options = null)
    {
        options ??= new CachebackRuntimeOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentNullException.ThrowIfNull(options.DefaultPolicy, nameof(options.DefaultPolicy));
        ArgumentNullException.ThrowIfNull(options.MemoryStore, nameof(options.MemoryStore));
        options.Refresh.Validate();
        Options = options;
        Clock = new Clock(options.TimeProvider);
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _refreshLogger = LoggerFactory.CreateLogger("Cacheback.Refresh");
        EventHub = new EventHub(LoggerFactory.CreateLogger("Cacheback.Events"));
        // The runtime's one clock: the memory store it makes reads it too, instead of making its own.
        _stores = Named(options.Store ?? new MemoryStore(options.MemoryStore, Clock), options.Stores, "store");
        _queues = Named(options.Queue ?? new InProcessQueue(), options.Queues, "queue");
        // A memory store given in the options runs on this clock too (one clock per runtime): every
        // one is checked before any is moved, so a refused runtime leaves the stores as they were.
        var memoryStores = _stores
            .Select(s => (Bounds: (s.Value as IBoundedStore)?.Bounds, Name: $"{s.Value.GetType().Name} named '{s.Key}'",
                Option: s.Key == CachebackRuntimeOptions.DefaultName ? "options.Store" : "options.Stores"))
            .Where(s => s.Bounds is not null)
            .ToArray();
        foreach (var (bounds, name, option) in memoryStores)
            bounds!.CheckJoin(Clock, name, option);

        // Freshness is judged on the shared store's clock (issue 10, defect 7): the default store's
        // if it keeps one, else the first named one's that does, by name.
        // Last of what may throw: nothing built after it needs undoing if it does.
        _clockSync = StoreClockSync.Follow(
            _stores.OrderBy(s => s.Key == CachebackRuntimeOptions.DefaultName ? "" : s.Key, StringComparer.Ordinal).Select(s => (object)s.Value),
            Clock,
            LoggerFactory.CreateLogger("Cacheback.Clock"));
        // Moved only once nothing can throw any more (checked above).
        foreach (var (bounds, name, option) in memoryStores)
            bounds!.JoinRuntime(Clock, name, option);
        Registry = new JobRegistry(_refreshLogger);
        Metrics = new CachebackMetrics(options.MeterFactory);
        // One scheduler over the runtime's clock: the pipeline's timeouts, the worker's backoff and drain.
        Scheduler = new TimeProviderScheduler(options.TimeProvider);
        Lane = new LocalLane(options.LocalLaneCapacity);
        Worker = new RefreshWorker(_queues.Values.Distinct().ToArray(), Registry.DispatchAsync, options.Refresh, Scheduler, Complete, _refreshLogger,
            request => Registry.TimeoutFor(request.Job), Lane);
        Metrics.ObserveQueues(_queues, Worker);
        Metrics.ObserveStores(_stores.Values);
        // The lane always: the refreshes that must run in this process run here even when the
        // queues are drained by worker processes elsewhere.
        if (options.RunRefreshWorker)
            Worker.Start();
        else
            Worker.StartLocalLane();
        if (options.IsHosted)
            MarkHosted();
    }

    /// <summary>The embedded runtime: memory store, in-process queue, system clock, no logging.</summary>
    public static CachebackRuntime Default => LazyDefault.Value;

    /// <summary>How this runtime was built.</summary>
    public CachebackRuntimeOptions Options { get; }

    /// <summary>Every decision and refresh outcome of every job in this runtime.</summary>
    public IObservable<CacheEvent> Events => EventHub;

    /// <summary>Each refresh request's outcome, as the worker finishes it (those of the refreshes run in this process's local lane too).</summary>
    public IObservable<RefreshOutcome> Outcomes => Worker.Outcomes;

    /// <summary>The jobs this runtime can refresh, by name.</summary>
    public JobRegistry Registry { get; }

    /// <summary>Drains the queues; started with the runtime unless <see cref="CachebackRuntimeOptions.RunRefreshWorker"/> is false.</summary>
    public RefreshWorker Worker { get; }

    /// <summary>The default store.</summary>
    public ICacheStore Store => _stores[CachebackRuntimeOptions.DefaultName];

    /// <summary>The default refresh queue.</summary>
    public IRefreshQueue Queue => _queues[CachebackRuntimeOptions.DefaultName];

    /// <summary>Whether this is <see cref="Default"/>: jobs made on it while a hosted runtime lives are reported (<see cref="HostedRuntimes"/>).</summary>
    internal bool IsAmbient { get; private init; }

    /// <summary>The one clock of this runtime: store time (<see cref="StoreClock"/>), read by every decision.</summary>
    internal Clock Clock { get; }

    /// <summary>What keeps <see cref="Clock"/> on the store's clock; null when no store keeps one.</summary>
    internal StoreClockSync? StoreClock => _clockSync;

    /// <summary>
    /// Where the refreshes that must run in this process wait for the pipeline: a job's when its
    /// queue refuses it, a HybridCache factory's. The worker drains it from the runtime's start.
    /// </summary>
    internal LocalLane Lane { get; }

    /// <summary>The Rx scheduler over <see cref="CachebackRuntimeOptions.TimeProvider"/>, built once.</summary>
    internal TimeProviderScheduler Scheduler { get; }
    internal ILoggerFactory LoggerFactory { get; }
    internal EventHub EventHub { get; }
    internal CachebackMetrics Metrics { get; }

    /// <summary>Every queue, by name (the default one as <see cref="CachebackRuntimeOptions.DefaultName"/>).</summary>
    public IReadOnlyDictionary<string, IRefreshQueue> Queues => _queues;

    /// <summary>The store configured under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No store has that name.</exception>
    public ICacheStore StoreNamed(string name) => Lookup(_stores, name, "store");

    /// <summary>
    /// The tag counters of the store named <paramref name="storeName"/>: one book per store, shared by
    /// every job and HybridCache on it, so that one invalidation of a tag reaches all of them. For the
    /// memory store, a dictionary in this process; for a shared one, small keys in the store itself
    /// (kept <see cref="TagRules.Retention"/> after their last bump).
    /// </summary>
    /// <exception cref="ArgumentException">No store has that name.</exception>
    internal ITagBook TagBookFor(string storeName)
    {
        if (_tagBooks.TryGetValue(storeName, out var book))
            return book;
        var store = StoreNamed(storeName);
        var tagLogger = LoggerFactory.CreateLogger("Cacheback.Tags");
        return _tagBooks.GetOrAdd(storeName, _ => store is MemoryStore
            ? new LocalTagBook()
            : new StoreTagBook(store, Clock, TagRules.Retention, (key, error, detail) => TagLog.Unreadable(tagLogger, key, error, detail)));
    }

    /// <summary>
    /// Marks every entry tagged <paramref name="tag"/> (<c>"*"</c>: every tagged entry) stale, in every
    /// tagged job and HybridCache on the store <paramref name="storeName"/>, on every node sharing it
    /// and in every L1: each is served while one refresh of it runs. Nothing is scanned (a counter per
    /// tag, checked on read), and a fetch, refresh or set in flight now never lands as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace, or no store has that name.</exception>
    public ValueTask InvalidateByTagAsync(string tag, string storeName = CachebackRuntimeOptions.DefaultName, CancellationToken cancellationToken = default) =>
        BumpTagAsync(storeName, tag, remove: false, cancellationToken);

    /// <summary>As <see cref="InvalidateByTagAsync"/>, but the entries are removed: the next read of one is a miss.</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace, or no store has that name.</exception>
    public ValueTask RemoveByTagAsync(string tag, string storeName = CachebackRuntimeOptions.DefaultName, CancellationToken cancellationToken = default) =>
        BumpTagAsync(storeName, tag, remove: true, cancellationToken);

    /// <summary>Invalidates <paramref name="tag"/> in the store named <paramref name="storeName"/>: see <see cref="ITagBook.BumpAsync"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace, or no store has that name.</exception>
    internal ValueTask BumpTagAsync(string storeName, string tag, bool remove, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return TagBookFor(storeName).BumpAsync(tag, remove, cancellationToken);
    }

    /// <summary>The queue configured under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No queue has that name.</exception>
    public IRefreshQueue QueueNamed(string name) => Lookup(_queues, name, "queue");

    /// <summary>
    /// Marks this runtime as a host's (made by <c>AddCacheback</c>): the jobs already on
    /// <see cref="Default"/> (made before the host, in a static field, say) are reported to its log
    /// now, and those made on it later as they are made, until this runtime is disposed.
    /// </summary>
    private void MarkHosted()
    {
        var logger = LoggerFactory.CreateLogger("Cacheback");
        var watch = HostedRuntimes.Watch(logger);
        if (Interlocked.CompareExchange(ref _hosted, watch, null) is not null)
        {
            watch.Dispose();
            return;
        }

        if (LazyDefault.IsValueCreated)
            HostedRuntimes.AmbientJobsMadeBefore(logger, LazyDefault.Value.Registry.Names);
    }

    /// <summary>Stops the refresh worker at once, and the event stream.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _hosted?.Dispose();
        _clockSync?.Dispose();
        Worker.Dispose();
        foreach (var queue in _queues.Values.OfType<InProcessQueue>())
        {
            queue.Close();
            if (queue.Count > 0)
                Log.QueueDropped(_refreshLogger, queue.Count);
        }

        // The worker's Dispose dropped (and logged) what waited in the local lane.
        EventHub.Dispose();
        Metrics.Dispose();
    }

    private static Dictionary<string, T> Named<T>(T defaultOne, IReadOnlyDictionary<string, T> others, string what)
    {
        var all = new Dictionary<string, T>(StringComparer.Ordinal) { [CachebackRuntimeOptions.DefaultName] = defaultOne };
        foreach (var (name, value) in others)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            if (!all.TryAdd(name, value ?? throw new ArgumentException($"The {what} named '{name}' is null.", nameof(others))))
                throw new ArgumentException($"A {what} is named '{name}' twice ('{CachebackRuntimeOptions.DefaultName}' is the default one's name).", nameof(others));
        }

        return all;
    }

    private static T Lookup<T>(Dictionary<string, T> all, string name, string what) =>
        all.TryGetValue(name, out var found)
            ? found
            : throw new ArgumentException($"No {what} named '{name}' is configured; there are: {string.Join(", ", all.Keys.Order(StringComparer.Ordinal))}.", nameof(name));

    private async Task Complete(IRefreshQueue queue, RefreshOutcome outcome)
    {
        var (request, result, duration, error) = (outcome.Request, outcome.Result, outcome.Duration, outcome.Error);
        // A request may name anything (an unknown job, a 10 MB name): logs and tags show it bounded;
        // events, read by code, carry it as it is.
        var (job, key) = (JobName.Display(request.Job), JobName.Display(request.Key));
        var tag = CachebackMetrics.JobTag(job);
        switch (result)
        {
            case RefreshResult.Succeeded:
                Metrics.RefreshesSucceeded.Add(1, tag);
                break;
            case RefreshResult.Failed or RefreshResult.TimedOut:
                Metrics.RefreshesFailed.Add(1, tag);
                // A local refresh's failure is logged by whoever queued it, who knows what it was for.
                if (request.Local is null)
                    Log.RefreshFailed(_refreshLogger, job, key, result, duration, request.Attempt, error);
                break;
        }

        Log.RefreshCompleted(_refreshLogger, job, key, result, duration);
        if (EventHub.IsObserved)
            EventHub.Publish(new CacheEvent(CacheEventKind.RefreshCompleted, request.Job, request.Key, Clock.Now()) { Result = result, Duration = duration, Error = error });
        try
        {
            await queue.CompleteAsync(outcome).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A queue that cannot acknowledge will redeliver: log it and carry on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.AcknowledgeFailed(_refreshLogger, job, key, result, e);
        }
    }
}
