using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;

namespace Cacheback.Tests;

/// <summary>A runtime on a fake clock (starting 2026-01-01 unless told, moved only by the test), with its events and log entries recorded.</summary>
public sealed class Harness : IDisposable
{
    private readonly IDisposable _subscription;

    public Harness(
        ICacheStore? store = null,
        IRefreshQueue? queue = null,
        RefreshPipelineOptions? refresh = null,
        IReadOnlyDictionary<string, ICacheStore>? stores = null,
        IReadOnlyDictionary<string, IRefreshQueue>? queues = null,
        bool runRefreshes = true,
        DateTimeOffset? start = null)
    {
        Time = new FakeTimeProvider(start ?? Start);
        Runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            TimeProvider = Time,
            LoggerFactory = Logs,
            Store = store ?? new MemoryStore(Time),
            Queue = Queue = new CountingQueue(queue ?? new InProcessQueue()),
            Stores = stores ?? new Dictionary<string, ICacheStore>(),
            Queues = queues ?? new Dictionary<string, IRefreshQueue>(),
            Refresh = refresh ?? new RefreshPipelineOptions(),
            RunRefreshWorker = runRefreshes,
        });
        _subscription = Runtime.Events.Subscribe(Events.Enqueue);
    }

    /// <summary>Where <see cref="Time"/> starts unless the harness is told otherwise.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; }

    public ListLoggerFactory Logs { get; } = new();

    public ConcurrentQueue<CacheEvent> Events { get; } = new();

    public CachebackRuntime Runtime { get; }

    /// <summary>The runtime's queue; it counts requests as they are handed to it, before any consumer can see them.</summary>
    public CountingQueue Queue { get; }

    /// <summary>How many refresh requests were enqueued (deterministic, unlike the event published after the enqueue).</summary>
    public int Enqueued => Queue.Count;

    public int Count(CacheEventKind kind) => Events.Count(e => e.Kind == kind);

    /// <summary>The next request handed to the default queue; call before triggering it.</summary>
    public Task<RefreshRequest> NextEnqueue() => Queue.Next();

    /// <summary>The next refresh outcome; call before triggering the refresh.</summary>
    public Task<RefreshOutcome> NextOutcome() => Runtime.Outcomes.FirstAsync().ToTask();

    public void Dispose()
    {
        _subscription.Dispose();
        Runtime.Dispose();
    }
}

/// <summary>A fetch whose calls are counted and which waits for a gate the test opens.</summary>
public sealed class GatedFetch<T>
{
    private readonly Func<int, T> _value;
    private int _calls;

    public GatedFetch(Func<int, T> value) => _value = value;

    public TaskCompletionSource Gate { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Started { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? Throw { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public CancellationToken LastToken { get; private set; }

    public async Task<T> Fetch(string args, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        LastToken = cancellationToken;
        Started.TrySetResult();
        await Gate.Task.WaitAsync(cancellationToken);
        if (Throw is not null)
            throw Throw;
        return _value(call);
    }

    public void Open() => Gate.TrySetResult();

    /// <summary>Closes the gate again for the next call.</summary>
    public void Reset()
    {
        Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Counts requests on their way into a queue.</summary>
public sealed class CountingQueue(IRefreshQueue inner) : IRefreshQueue
{
    private int _count;
    private TaskCompletionSource<RefreshRequest> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count => Volatile.Read(ref _count);

    public bool IsShared => inner.IsShared;

    public ConcurrentQueue<RefreshRequest> Received { get; } = new();

    /// <summary>The next request to arrive.</summary>
    public Task<RefreshRequest> Next() => Volatile.Read(ref _next).Task;

    public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => inner.TakeAsync(cancellationToken);

    public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
    {
        // Counted before the inner queue has it: once it does, a worker (of another node, on Redis)
        // may run the refresh and report its outcome before this thread gets on, and a test that
        // waited for the outcome must see the count. Uncounted again when the queue refuses it
        // (it throws synchronously).
        Interlocked.Increment(ref _count);
        ValueTask enqueued;
        try
        {
            enqueued = inner.EnqueueAsync(request, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _count);
            throw;
        }

        Received.Enqueue(request);
        Interlocked.Exchange(ref _next, new TaskCompletionSource<RefreshRequest>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(request);
        return enqueued;
    }

    public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => inner.CompleteAsync(outcome, cancellationToken);
}
