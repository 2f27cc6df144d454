using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// A reliable refresh queue in Redis, shared by web nodes (which enqueue) and worker processes
/// (which take): at-least-once delivery that survives a worker's death.
/// </summary>
/// <remarks>
/// <para>A request waits in a pending list. Taking it moves it, atomically, into an in-flight set
/// with a deadline of now + <see cref="RedisQueueOptions.VisibilityTimeout"/> (by the server's
/// clock). Completing it acknowledges it; a failed, timed-out or unknown-job outcome delivers it
/// again with its attempt + 1, and after <see cref="RedisQueueOptions.MaxAttempts"/> moves it, with
/// its error, to the dead letters (<see cref="DeadLettersAsync"/>). A request whose deadline passes
/// (its worker died or hung) is delivered again the same way, by whichever taker looks next.
/// Nothing is dropped silently: the dead letters keep the newest
/// <see cref="RedisQueueOptions.MaxDeadLetters"/> (dropping older ones is logged), until an
/// operator requeues (<see cref="RequeueDeadLettersAsync"/>) or purges
/// (<see cref="PurgeDeadLettersAsync"/>) them.</para>
/// <para>A take moves up to <see cref="RedisQueueOptions.TakeBatch"/> requests in one step; those
/// that wait in this process for a free slot have their deadline extended while they wait (so no
/// other worker runs them too), and go back to the pending list when the queue is disposed.</para>
/// <para>An idle taker waits for a pub/sub wake-up that every enqueue publishes, and looks again
/// every <see cref="RedisQueueOptions.PollInterval"/> in case one was missed, on
/// <see cref="RedisQueueOptions.TimeProvider"/>. Whatever the queue's keys hold (a request that
/// does not parse, an attempts value that is not a number), the take goes on: such a request is
/// dead-lettered with why.</para>
/// <para>Keys: the key prefix, the name in braces (a Redis Cluster hash tag), then the part, e.g.
/// <c>cacheback:queue:{default}:pending</c>, <c>:inflight</c>, <c>:payloads</c>, <c>:attempts</c>,
/// <c>:dead</c>. Requests travel as JSON naming their job; a worker finds the job in its registry
/// by that name.</para>
/// </remarks>
public sealed class RedisRefreshQueue : IRefreshQueue, IMonitoredQueue, IDisposable
{
    private readonly IDatabase _database;
    private readonly RedisQueueKeys _keys;
    private readonly RedisQueueOptions _options;
    private readonly ILogger _logger;
    private readonly RedisValue _wakeChannel;
    private readonly ConditionalWeakTable<RefreshRequest, QueueDelivery> _deliveries = new();
    private readonly QueueStore _queue;
    private readonly QueueTaker _taker;
    private readonly DeadLetterOperations _deadLetters;
    private readonly QueueGauges _gauges;

    /// <summary>Creates the queue over an open connection, which it does not own.</summary>
    /// <param name="connection">The connection; its default database is used.</param>
    /// <param name="name">The queue's name (like a Celery or RQ queue): part of its keys. Letters, digits, <c>-_.:</c>.</param>
    /// <param name="options">Delivery options (default: <see cref="RedisQueueOptions"/>'s defaults).</param>
    /// <param name="logger">Where the queue logs; default nowhere.</param>
    /// <exception cref="ArgumentException">The name or an option is invalid (the message names the option and its limit), or the connection is to a Redis Cluster and uses a database other than 0.</exception>
    public RedisRefreshQueue(IConnectionMultiplexer connection, string name = CachebackRuntimeOptions.DefaultName, RedisQueueOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ValidateName(name);
        options ??= new RedisQueueOptions();
        options.Validate();
        RedisCluster.RequireDatabaseZero(connection);
        _database = connection.GetDatabase();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Name = name;
        _keys = new RedisQueueKeys(options.KeyPrefix, name);
        // Scripts PUBLISH raw; a subscriber's channel gets the connection's channelPrefix, so add it here too.
        _wakeChannel = RedisCall.ChannelPrefix(connection) + _keys.Wake;
        _queue = new QueueStore(_database, _keys, options, _logger, name, _wakeChannel);
        _taker = new QueueTaker(connection, _queue, _deliveries);
        _deadLetters = new DeadLetterOperations(_queue);
        _gauges = new QueueGauges(CountsAsync);
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>The options it was built with.</summary>
    public RedisQueueOptions Options => _options;

    /// <inheritdoc />
    /// <exception cref="RefreshQueueUnavailableException">The queue is full (<see cref="RedisQueueOptions.MaxLength"/>), or Redis cannot be reached.</exception>
    public async ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var id = Guid.NewGuid().ToString("N");
        RedisResult queued;
        try
        {
            queued = await _database.ScriptEvaluateAsync(
                LuaScripts.Enqueue, _keys.All, [id, QueuedRequest.From(id, request).ToJson(), request.Attempt, _options.MaxLength, _wakeChannel]).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisCall.IsUnavailable(e))
        {
            throw new RefreshQueueUnavailableException(
                $"The Redis refresh queue '{Name}' cannot be reached ({e.Message}); the refresh of {request.Job} '{request.Key}' was not queued.", e);
        }

        if ((long)queued == 0)
            throw new RefreshQueueUnavailableException(
                $"The Redis refresh queue '{Name}' is full: {_options.MaxLength} requests are pending (RedisQueueOptions.MaxLength); the refresh of {request.Job} '{request.Key}' was not queued.");
    }

    /// <inheritdoc />
    /// <remarks>Succeeded, superseded and duplicate outcomes acknowledge the request; failed and
    /// timed-out outcomes deliver it again, or dead-letter it after its last attempt; an unknown job is
    /// dead-lettered at once. Only the
    /// delivery in flight counts: the outcome of one that was delivered again since is ignored.</remarks>
    public async ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var request = outcome.Request;
        if (!_deliveries.TryGetValue(request, out var delivery))
        {
            RedisLog.NotOurs(_logger, Name, Bounded.Text(request.Job), Bounded.Text(request.Key), outcome.Result);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        // Job and key came from Redis: only a bounded prefix of them goes into logs and dead letters.
        var (job, key) = (Bounded.Text(request.Job), Bounded.Text(request.Key));
        var (action, error) = outcome.Result switch
        {
            RefreshResult.Succeeded or RefreshResult.Superseded or RefreshResult.SupersededBeforeFetch or RefreshResult.Duplicate => ("ack", ""),
            // No retry: each attempt would log and fail alike. The dead letter keeps the request and
            // says why (nothing is lost); the name is shown bounded, as a request may name anything.
            RefreshResult.UnknownJob => ("dead", $"no job named '{job}' is registered on the worker that took it"),
            _ => ("retry", Bounded.Text(outcome.Error is { } e ? $"{e.GetType().Name}: {e.Message}" : outcome.Result.ToString())),
        };
        var result = await _queue.Complete(delivery, action, error).ConfigureAwait(false);
        _deliveries.Remove(request);
        switch (result)
        {
            case 0:
                RedisLog.StaleCompletion(_logger, Name, job, key, delivery.Attempt, outcome.Result);
                break;
            case 2:
                RedisLog.Retrying(_logger, Name, job, key, delivery.Attempt, outcome.Result);
                break;
            case 3:
                RedisLog.DeadLettered(_logger, Name, job, key, delivery.Attempt, outcome.Result, error);
                break;
        }
    }

    /// <summary>How many requests are pending, in flight and dead-lettered.</summary>
    public Task<RedisQueueCounts> CountsAsync() => _queue.CountsAsync();

    /// <inheritdoc />
    /// <remarks>
    /// Waits for a wake-up or <see cref="RedisQueueOptions.PollInterval"/>, whichever comes first.
    /// While Redis is unreachable it logs once and keeps trying every poll interval rather than
    /// throwing, so a worker outlives an outage. A request it cannot read (its body, its job name or
    /// its attempts value) is dead-lettered with why, and logged; it never stops the take. Returns
    /// null once the queue is disposed.
    /// </remarks>
    public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => _taker.TakeAsync(cancellationToken);

    /// <summary>
    /// Stops taking: a waiting <see cref="TakeAsync"/> returns null, and the prefetched requests go
    /// back to the front of the pending list for other workers (on the same attempt; if Redis cannot
    /// be reached they are delivered again once their deadline passes). Does not close the connection.
    /// </summary>
    public void Dispose() => _taker.Dispose();

    /// <summary>The newest dead letters, newest first; entries that are not the queue's own are skipped.</summary>
    /// <param name="count">How many to read at most.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public Task<IReadOnlyList<RedisDeadLetter>> DeadLettersAsync(int count = 100) => _deadLetters.ReadAsync(count);

    /// <summary>
    /// Queues the oldest dead letters again, oldest first, as if they had just been enqueued: same
    /// id and request, attempt 1 (they get <see cref="RedisQueueOptions.MaxAttempts"/> new
    /// attempts). One atomic step; idle takers are woken.
    /// </summary>
    /// <remarks>
    /// It stops once the pending list holds <see cref="RedisQueueOptions.MaxLength"/> requests (the
    /// rest stay dead). A dead letter whose request is empty or unreadable, or whose id is queued
    /// already, stays dead; it is skipped, not counted in <paramref name="count"/>, and the number
    /// skipped is logged as a warning. (A request the script reads but a worker cannot, such as one
    /// with a malformed date, is dead-lettered again on its next take.)
    /// </remarks>
    /// <param name="count">How many to requeue at most.</param>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>How many were queued again.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="RefreshQueueUnavailableException">Redis cannot be reached (when it did not answer in time, the requeue may have happened nonetheless).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public Task<int> RequeueDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default) => _deadLetters.RequeueAsync(count, cancellationToken);

    /// <summary>
    /// Queues one dead letter again, as <see cref="RequeueDeadLettersAsync"/> does: same id and
    /// request, attempt 1.
    /// </summary>
    /// <param name="id">Its id (<see cref="RedisDeadLetter.Id"/>).</param>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>True when it was queued again; false when no dead letter has this id, or when its
    /// request is unreadable or its id is queued already (logged as a warning; it stays dead).</returns>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null or empty.</exception>
    /// <exception cref="RefreshQueueUnavailableException">The queue is full (<see cref="RedisQueueOptions.MaxLength"/>; the dead letter stays), or Redis cannot be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public Task<bool> RequeueDeadLetterAsync(string id, CancellationToken cancellationToken = default) => _deadLetters.RequeueOneAsync(id, cancellationToken);

    /// <summary>Removes every dead letter, in one atomic step.</summary>
    /// <param name="cancellationToken">Checked before Redis is called; the atomic step itself is not cancelled.</param>
    /// <returns>How many were removed.</returns>
    /// <exception cref="RefreshQueueUnavailableException">Redis cannot be reached (when it did not answer in time, the purge may have happened nonetheless).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before Redis was called.</exception>
    public Task<long> PurgeDeadLettersAsync(CancellationToken cancellationToken = default) => _deadLetters.PurgeAsync(cancellationToken);

    long? IMonitoredQueue.Depth => _gauges.SampleCounts()?.Pending;

    long? IMonitoredQueue.DeadLetters => _gauges.SampleCounts()?.DeadLettered;

    /// <summary>The gauges' sample running or last run (tests await it instead of sleeping).</summary>
    internal Task Sampling => _gauges.Sampling;

    /// <summary>The counts last sampled (null before the first sample lands); starts a sample unless one runs.</summary>
    internal RedisQueueCounts? SampleCounts() => _gauges.SampleCounts();

    /// <summary>Raised each time a take finds nothing and starts waiting: lets tests know a taker is idle without sleeping.</summary>
    internal event Action? Idle
    {
        add => _taker.Idle += value;
        remove => _taker.Idle -= value;
    }

    /// <summary>The latest renewal of the prefetched requests' deadlines (tests await it after moving the clock).</summary>
    internal Task Renewal => _taker.Renewal;

    /// <summary>How many taken requests wait in this process for a slot.</summary>
    internal int Prefetched => _taker.Prefetched;

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            throw new ArgumentException($"The queue name '{name}' may hold only ASCII letters, digits and '-', '_', '.', ':' (it is part of Redis keys and a pub/sub channel).", nameof(name));
    }
}
