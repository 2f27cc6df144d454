using System.Diagnostics;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>Taking: atomic moves into flight, pub/sub wake-ups, a fallback poll, and riding out outages.</summary>
public sealed partial class RedisRefreshQueue
{
    // How many expired in-flight requests one take reaps; the rest go on the next takes.
    private const int ReapBatch = 100;
    private const string RedisTakeSpan = "cacheback.redis.take";
    private readonly object _gate = new();
    // Taken in the last round trip but not handed out yet: already in flight in Redis.
    private readonly System.Collections.Concurrent.ConcurrentQueue<RefreshRequest> _prefetched = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _subscription;
    private int _failing;
    private int _subscribeFailing;
    private int _disposed;

    /// <summary>Raised each time a take finds nothing and starts waiting: lets tests know a taker is idle without sleeping.</summary>
    internal event Action? Idle;

    /// <inheritdoc />
    /// <remarks>
    /// Waits for a wake-up or <see cref="RedisQueueOptions.PollInterval"/>, whichever comes first.
    /// While Redis is unreachable it logs once and keeps trying every poll interval rather than
    /// throwing, so a worker outlives an outage. Returns null once the queue is disposed.
    /// </remarks>
    public async ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _disposed) != 0)
                return null;
            if (_prefetched.TryDequeue(out var ready))
                return ready;
            await EnsureSubscribedAsync().ConfigureAwait(false);
            // Taken before looking: a wake-up published from here on completes it, so none is lost.
            var wake = Volatile.Read(ref _wake).Task;
            if (await TryTakeAsync().ConfigureAwait(false) is { } request)
                return request;
            Idle?.Invoke();
            try
            {
                await wake.WaitAsync(_options.PollInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The fallback poll: look again (and reap) even without a wake-up.
            }
        }
    }

    /// <summary>Stops taking: a waiting <see cref="TakeAsync"/> returns null. Does not close the connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Wake();
        try
        {
            _connection.GetSubscriber().Unsubscribe(Channel, OnWake, CommandFlags.FireAndForget);
        }
        catch (RedisException)
        {
            // Unreachable: the server forgets the subscription with the connection anyway.
        }
    }

    /// <summary>One atomic take of up to <see cref="RedisQueueOptions.TakeBatch"/> requests: the first, the rest prefetched; null when nothing is pending or Redis is unreachable (logged).</summary>
    private async Task<RefreshRequest?> TryTakeAsync()
    {
        RedisResult taken;
        var sentAt = TimeProvider.System.GetUtcNow();
        try
        {
            taken = await _database.ScriptEvaluateAsync(
                LuaScripts.Take, _keys.All, [(long)_options.VisibilityTimeout.TotalMilliseconds, _options.MaxAttempts, ReapBatch, _wakeChannel, _options.TakeBatch, _options.MaxDeadLetters]).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                RedisLog.TakeFailing(_logger, Name, _options.PollInterval, e);
                using var failed = StartTakeSpan(sentAt);
                failed.Failed(e);
            }

            return null;
        }

        if (Interlocked.Exchange(ref _failing, 0) == 1)
            RedisLog.TakeRecovered(_logger, Name);
        if (taken.IsNull)
            return null;
        // {dead letters dropped, id, payload, attempt, id, payload, attempt, ...}
        var parts = (RedisResult[])taken!;
        DroppedDeadLetters((long)parts[0]);
        using (var span = StartTakeSpan(sentAt))
        {
            span?.SetTag("cacheback.queue.taken", (parts.Length - 1) / 3);
            span.Ended("taken");
        }

        RefreshRequest? first = null;
        for (var at = 1; at + 2 < parts.Length; at += 3)
        {
            if (await Parse((string)parts[at]!, (string)parts[at + 1]!, (int)parts[at + 2]).ConfigureAwait(false) is not { } request)
                continue;
            if (first is null)
                first = request;
            else
                _prefetched.Enqueue(request);
        }

        return first;
    }

    private async Task<RefreshRequest?> Parse(string id, string payload, int attempt)
    {
        if (QueuedRequest.Parse(payload, out var error) is not { } queued)
        {
            // Not ours to run, but not ours to drop either: keep it, with why, for whoever looks.
            RedisLog.Unreadable(_logger, Name, id, error!);
            await Complete(new Delivery(id, attempt), "dead", $"unreadable request: {error}").ConfigureAwait(false);
            return null;
        }

        var request = queued.ToRequest(attempt);
        _deliveries.AddOrUpdate(request, new Delivery(id, attempt));
        return request;
    }

    /// <summary>
    /// The span of a take script's round trip, made once its reply is known (a poll that found
    /// nothing makes none: idle workers poll every interval), backdated to when it was sent.
    /// </summary>
    private Activity? StartTakeSpan(DateTimeOffset sentAt) =>
        CachebackTracing.Source.StartActivity(RedisTakeSpan, ActivityKind.Client, parentContext: default, startTime: sentAt)
            ?.SetTag(CachebackMetrics.QueueTagName, Name);

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
                RedisLog.SubscribeFailed(_logger, Name, _keys.Wake, _options.PollInterval, e);
        }
    }

    private void OnWake(RedisChannel channel, RedisValue message) => Wake();

    private void Wake() =>
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
