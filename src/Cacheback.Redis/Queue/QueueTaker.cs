using System.Diagnostics;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// The taking side of a <see cref="RedisRefreshQueue"/>: atomic moves into flight, a buffer of
/// prefetched requests whose deadlines are renewed while they wait, pub/sub wake-ups, a fallback
/// poll, and riding out outages and hostile contents. <see cref="RedisRefreshQueue.TakeAsync"/> documents it.
/// </summary>
internal sealed class QueueTaker : IDisposable
{
    // How many expired in-flight requests one take reaps; the rest go on the next takes.
    private const int ReapBatch = 100;
    private const string RedisTakeSpan = "cacheback.redis.take";
    private readonly object _gate = new();
    // Taken in the last round trip but not handed out yet: already in flight in Redis, their
    // deadlines renewed by _renewer until they are handed out.
    private readonly PrefetchBuffer _prefetched = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _subscription;
    private Task _renewal = Task.CompletedTask;
    private int _failing;
    private int _subscribeFailing;
    private int _disposed;
    private readonly IConnectionMultiplexer _connection;
    private readonly QueueStore _queue;
    private readonly IDatabase _database;
    private readonly RedisQueueKeys _keys;
    private readonly RedisQueueOptions _options;
    private readonly RedisValue _wakeChannel;
    private readonly ConditionalWeakTable<RefreshRequest, QueueDelivery> _deliveries;
    private readonly ITimer _renewer;

    public QueueTaker(IConnectionMultiplexer connection, QueueStore queue, ConditionalWeakTable<RefreshRequest, QueueDelivery> deliveries)
    {
        _connection = connection;
        _queue = queue;
        _database = queue.Database;
        _keys = queue.Keys;
        _options = queue.Options;
        _wakeChannel = queue.WakeChannel;
        _deliveries = deliveries;
        _renewer = _options.TimeProvider.CreateTimer(static self => ((QueueTaker)self!).OnRenewTick(), this, _options.RenewPeriod, _options.RenewPeriod);
    }

    private string Name => _queue.Name;

    /// <summary>Raised each time a take finds nothing and starts waiting: lets tests know a taker is idle without sleeping.</summary>
    public event Action? Idle;

    /// <summary>The latest renewal of the prefetched requests' deadlines (tests await it after moving the clock).</summary>
    public Task Renewal => Volatile.Read(ref _renewal);

    /// <summary>How many taken requests wait in this process for a slot.</summary>
    public int Prefetched => _prefetched.Count;

    /// <summary>The next request: see <see cref="RedisRefreshQueue.TakeAsync"/>.</summary>
    public async ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _disposed) != 0)
                return null;
            if (_prefetched.TryTake() is { } ready)
                return ready;

            await EnsureSubscribedAsync().ConfigureAwait(false);
            // Taken before looking: a wake-up published from here on completes it, so none is lost.
            var wake = Volatile.Read(ref _wake).Task;
            if (await TryTakeAsync().ConfigureAwait(false) is { } request)
                return request;
            // The poll's timer is set before Idle is raised: a test that moves the clock on Idle moves it past the timer.
            var waiting = wake.WaitAsync(_options.PollInterval, _options.TimeProvider, cancellationToken);
            Idle?.Invoke();
            try
            {
                await waiting.ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The fallback poll: look again (and reap) even without a wake-up.
            }
        }
    }

    /// <summary>Stops taking: see <see cref="RedisRefreshQueue.Dispose"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _renewer.Dispose();
        Wake();
        try
        {
            if (_prefetched.Deliveries(_deliveries, clear: true) is { Length: > 0 } pairs)
                _database.ScriptEvaluate(LuaScripts.Release, _keys.All, [_wakeChannel, .. pairs], CommandFlags.FireAndForget);
            _connection.GetSubscriber().Unsubscribe(Channel, OnWake, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            // Unreachable: the server forgets the subscription with the connection anyway, and the
            // prefetched requests are reaped once their deadline passes.
        }
    }

    /// <summary>The next request, the rest of its batch prefetched; null when nothing is pending or Redis is unreachable (logged).</summary>
    private async Task<RefreshRequest?> TryTakeAsync()
    {
        // A round that only dead-lettered what it could not read says nothing of what is behind it:
        // look again (a few times; the poll goes on after that).
        for (var round = 0; round < 10; round++)
        {
            var (first, skipped) = await TakeBatchAsync().ConfigureAwait(false);
            if (first is not null || !skipped)
                return first;
        }

        return null;
    }

    /// <summary>One atomic take of up to <see cref="RedisQueueOptions.TakeBatch"/> requests: the first, the rest prefetched; and whether any was dead-lettered instead.</summary>
    private async Task<(RefreshRequest? First, bool Skipped)> TakeBatchAsync()
    {
        RedisResult taken;
        var sentAt = _options.TimeProvider.GetUtcNow();
        try
        {
            taken = await _database.ScriptEvaluateAsync(
                LuaScripts.Take,
                _keys.All,
                [
                    Milliseconds(_options.VisibilityTimeout), _options.MaxAttempts, ReapBatch, _wakeChannel, _options.TakeBatch, _options.MaxDeadLetters,
                    Milliseconds(_options.VisibilityTimeout + _options.RenewPeriod),
                ]).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                RedisLog.TakeFailing(_queue.Logger, Name, _options.PollInterval, e);
                using var failed = StartTakeSpan(sentAt);
                failed.Failed(e);
            }

            return (null, false);
        }

        if (Interlocked.Exchange(ref _failing, 0) == 1)
            RedisLog.TakeRecovered(_queue.Logger, Name);
        // {dead letters dropped, {id, payload, attempt, ...}, {id, why dead-lettered, ...}}: our
        // script's shape, whatever the data in Redis held.
        var parts = (RedisResult[])taken!;
        _queue.DroppedDeadLetters((long)parts[0]);
        var rejected = (RedisResult[])parts[2]!;
        for (var at = 0; at + 1 < rejected.Length; at += 2)
            RedisLog.Unreadable(_queue.Logger, Name, Bounded.Text((string?)rejected[at]), Bounded.Text((string?)rejected[at + 1]));
        var requests = (RedisResult[])parts[1]!;
        if (requests.Length > 0)
        {
            using var span = StartTakeSpan(sentAt);
            span?.SetTag("cacheback.queue.taken", requests.Length / 3);
            span.Ended("taken");
        }

        RefreshRequest? first = null;
        var skipped = rejected.Length > 0;
        for (var at = 0; at + 2 < requests.Length; at += 3)
        {
            if (await Parse((string?)requests[at] ?? "", (string?)requests[at + 1], (int)requests[at + 2]).ConfigureAwait(false) is not { } request)
            {
                skipped = true;
                continue;
            }

            if (first is null)
            {
                first = request;
                continue;
            }

            _prefetched.Add(request);
        }

        return (first, skipped);
    }

    /// <summary>The request, or null when it cannot be run: then it is dead-lettered with why (or, if Redis cannot be reached for that, left to be reaped).</summary>
    private async Task<RefreshRequest?> Parse(string id, string? payload, int attempt)
    {
        var queued = QueuedRequest.Parse(payload ?? "", out var error);
        if (queued is not null)
            error = queued.Problem();
        if (error is null)
        {
            var request = queued!.ToRequest(attempt);
            _deliveries.AddOrUpdate(request, new QueueDelivery(id, attempt));
            return request;
        }

        // Not ours to run, but not ours to drop either: keep it, with why, for whoever looks.
        error = Bounded.Text(error);
        RedisLog.Unreadable(_queue.Logger, Name, Bounded.Text(id), error);
        try
        {
            await _queue.Complete(new QueueDelivery(id, attempt), "dead", $"unreadable request: {error}").ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            // Still in flight: reaped and read again once its deadline passes.
            RedisLog.DeadLetterFailed(_queue.Logger, Name, Bounded.Text(id), e);
        }

        return null;
    }

    /// <summary>
    /// The span of a take script's round trip, made once its reply is known (a poll that found
    /// nothing makes none: idle workers poll every interval), backdated to when it was sent.
    /// </summary>
    private Activity? StartTakeSpan(DateTimeOffset sentAt) =>
        CachebackTracing.Source.StartActivity(RedisTakeSpan, ActivityKind.Client, parentContext: default, startTime: sentAt)
            ?.SetTag(CachebackMetrics.QueueTagName, Name);

    /// <summary>Renews the deadlines of the prefetched requests (every <see cref="RedisQueueOptions.RenewPeriod"/>), dropping those that are no longer this taker's.</summary>
    private void OnRenewTick()
    {
        if (Volatile.Read(ref _disposed) != 0 || !Volatile.Read(ref _renewal).IsCompleted)
            return;
        if (_prefetched.Deliveries(_deliveries, clear: false) is not { Length: > 0 } pairs)
            return;
        Volatile.Write(ref _renewal, RenewAsync(pairs));
    }

    private async Task RenewAsync(RedisValue[] pairs)
    {
        RedisResult lost;
        try
        {
            lost = await _database.ScriptEvaluateAsync(
                LuaScripts.Renew, _keys.All, [Milliseconds(_options.VisibilityTimeout + _options.RenewPeriod), .. pairs]).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            // Retried on the next tick; a request whose deadline passes meanwhile is dropped then.
            RedisLog.RenewFailed(_queue.Logger, Name, e);
            return;
        }

        var ids = ((RedisResult[])lost!).Select(id => (string?)id).ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
            return;
        _prefetched.RemoveWhere(request => _deliveries.TryGetValue(request, out var delivery) && ids.Contains(delivery.Id));
        RedisLog.PrefetchedLost(_queue.Logger, Name, ids.Count);
    }

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private RedisChannel Channel => RedisChannel.Literal(_keys.Wake);

    private async Task EnsureSubscribedAsync()
    {
        Task subscription;
        lock (_gate)
        {
            if (_subscription is null || _subscription.IsFaulted)
                _subscription = _connection.GetSubscriber().SubscribeAsync(Channel, OnWake);
            subscription = _subscription;
        }

        try
        {
            await subscription.ConfigureAwait(false);
            Interlocked.Exchange(ref _subscribeFailing, 0);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            // Polling still works; try again on the next take.
            if (Interlocked.Exchange(ref _subscribeFailing, 1) == 0)
                RedisLog.SubscribeFailed(_queue.Logger, Name, _keys.Wake, _options.PollInterval, e);
        }
    }

    private void OnWake(RedisChannel channel, RedisValue message) => Wake();

    private void Wake() =>
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
