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
public sealed partial class RedisRefreshQueue : IRefreshQueue, IDisposable
{
    private readonly IConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly RedisQueueKeys _keys;
    private readonly RedisQueueOptions _options;
    private readonly ILogger _logger;
    private readonly RedisValue _wakeChannel;
    private readonly ConditionalWeakTable<RefreshRequest, Delivery> _deliveries = new();
    private readonly ITimer _renewer;

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
        _connection = connection;
        _database = connection.GetDatabase();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Name = name;
        _keys = new RedisQueueKeys(options.KeyPrefix, name);
        // Scripts PUBLISH raw; a subscriber's channel gets the connection's channelPrefix, so add it here too.
        _wakeChannel = RedisCall.ChannelPrefix(connection) + _keys.Wake;
        _renewer = options.TimeProvider.CreateTimer(static self => ((RedisRefreshQueue)self!).OnRenewTick(), this, options.RenewPeriod, options.RenewPeriod);
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
        var result = await Complete(delivery, action, error).ConfigureAwait(false);
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
    public async Task<RedisQueueCounts> CountsAsync()
    {
        var pending = _database.ListLengthAsync(_keys.Pending);
        var inFlight = _database.SortedSetLengthAsync(_keys.InFlight);
        var dead = _database.ListLengthAsync(_keys.Dead);
        // All three observed, whichever fails.
        await Task.WhenAll(pending, inFlight, dead).ConfigureAwait(false);
        return new RedisQueueCounts(pending.Result, inFlight.Result, dead.Result);
    }

    /// <summary>Runs the complete script: 0 (not this delivery), 1 (acknowledged), 2 (queued again), 3 (dead-lettered).</summary>
    private async Task<long> Complete(Delivery delivery, string action, string error)
    {
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(
            LuaScripts.Complete, _keys.All, [delivery.Id, delivery.Attempt, action, _options.MaxAttempts, error, _wakeChannel, _options.MaxDeadLetters]).ConfigureAwait(false))!;
        DroppedDeadLetters((long)result[1]);
        return (long)result[0];
    }

    /// <summary>Says when a script dropped the oldest dead letters to keep within <see cref="RedisQueueOptions.MaxDeadLetters"/>.</summary>
    private void DroppedDeadLetters(long dropped)
    {
        if (dropped > 0)
            RedisLog.DeadLettersDropped(_logger, Name, dropped, _options.MaxDeadLetters);
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            throw new ArgumentException($"The queue name '{name}' may hold only ASCII letters, digits and '-', '_', '.', ':' (it is part of Redis keys and a pub/sub channel).", nameof(name));
    }

    /// <summary>Which delivery of which request a taken <see cref="RefreshRequest"/> is.</summary>
    internal sealed record Delivery(string Id, int Attempt);
}
