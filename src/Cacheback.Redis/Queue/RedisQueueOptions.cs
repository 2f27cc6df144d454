namespace Cacheback;

/// <summary>How a <see cref="RedisRefreshQueue"/> delivers requests. Validated when the queue is built.</summary>
public sealed record RedisQueueOptions
{
    /// <summary>
    /// How long a taken request may stay unacknowledged before it is delivered again (its worker is
    /// presumed dead). Keep it above the refresh pipeline's timeout, or slow refreshes run twice.
    /// </summary>
    /// <remarks>Requests taken in a batch (<see cref="TakeBatch"/>) that wait in this process for a
    /// free slot do not use it up: while they wait, the queue extends their deadline every quarter
    /// of it, so that each one has the whole timeout once it is handed out.</remarks>
    /// <value>Default 2 minutes. From 1 ms to 1 day (<see cref="MaxVisibilityTimeout"/>).</value>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a request is delivered before it goes to the dead letters.</summary>
    /// <value>Default 3. At least 1.</value>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// The most requests that may wait; a full queue refuses new ones with
    /// <see cref="RefreshQueueUnavailableException"/> (and the caller's runtime runs the refresh in its
    /// local lane, or drops it, logged, when that is full). Requests
    /// delivered again (after a failure or a visibility timeout) are let in even when it is full.
    /// </summary>
    /// <value>Default 100,000. At least 1.</value>
    public int MaxLength { get; init; } = 100_000;

    /// <summary>
    /// How often an idle <see cref="RedisRefreshQueue.TakeAsync"/> looks again without a wake-up
    /// (one may be missed while the connection is down), and how often it retries while Redis is
    /// unreachable. It is also how often idle workers reap requests whose worker died.
    /// </summary>
    /// <value>Default 1 second. From 1 ms to 10 minutes (<see cref="MaxPollInterval"/>).</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The start of every key of the queue: <c>{KeyPrefix}{{name}}:pending</c> and so on.</summary>
    /// <value>Default <c>cacheback:queue:</c>. No braces: the queue name in braces is the Redis Cluster hash tag that keeps a queue's keys together.</value>
    public string KeyPrefix { get; init; } = "cacheback:queue:";

    /// <summary>
    /// How many requests one round trip takes at most (one round trip a request capped the queue
    /// at ~3,000 refreshes/s here). The ones not handed out yet wait in this process, already in
    /// flight: while it lives, their deadline is extended every quarter of
    /// <see cref="VisibilityTimeout"/>, so no other worker takes them and each has the whole
    /// timeout once handed out; disposing the queue gives them back; if the process dies they are
    /// delivered again once their deadline passes (at most 1.25 × the timeout).
    /// </summary>
    /// <value>Default 32. From 1 to 1,000.</value>
    public int TakeBatch { get; init; } = 32;

    /// <summary>
    /// The most dead letters kept: each one added beyond it drops the oldest, and the queue logs a
    /// warning saying how many went. <see cref="RedisRefreshQueue.RequeueDeadLettersAsync"/> and
    /// <see cref="RedisRefreshQueue.PurgeDeadLettersAsync"/> empty the list by hand.
    /// </summary>
    /// <value>Default 10,000. At least 1.</value>
    public int MaxDeadLetters { get; init; } = 10_000;

    /// <summary>
    /// The clock of the queue's waits: the fallback poll, and the renewal of prefetched requests'
    /// deadlines. (The deadlines themselves are on the Redis server's clock, one for every worker.)
    /// </summary>
    /// <value>Default <c>TimeProvider.System</c>; with <c>AddCachebackRedis</c>, the container's <see cref="System.TimeProvider"/> when it has one.</value>
    public TimeProvider TimeProvider { get; init; } = Clock.System;

    /// <summary>The longest <see cref="VisibilityTimeout"/>: a day. A refresh that may run longer is not a cache refresh.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(1);

    /// <summary>The longest <see cref="PollInterval"/>: 10 minutes. Idle workers also reap dead workers' requests at this pace.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(10);

    /// <summary>How often the deadlines of prefetched requests are extended: a quarter of <see cref="VisibilityTimeout"/>, at least 1 ms.</summary>
    internal TimeSpan RenewPeriod => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, VisibilityTimeout.Ticks / 4));

    /// <summary>Throws naming every option that is out of range.</summary>
    internal void Validate()
    {
        var errors = new List<string>();
        if (VisibilityTimeout < TimeSpan.FromMilliseconds(1) || VisibilityTimeout > MaxVisibilityTimeout)
            errors.Add($"VisibilityTimeout must be from 1 ms to {MaxVisibilityTimeout} (was {VisibilityTimeout}).");
        if (MaxAttempts < 1)
            errors.Add($"MaxAttempts must be at least 1 (was {MaxAttempts}).");
        if (TakeBatch is < 1 or > 1000)
            errors.Add($"TakeBatch must be from 1 to 1000 (was {TakeBatch}).");
        if (MaxLength < 1)
            errors.Add($"MaxLength must be at least 1 (was {MaxLength}).");
        if (MaxDeadLetters < 1)
            errors.Add($"MaxDeadLetters must be at least 1 (was {MaxDeadLetters}).");
        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > MaxPollInterval)
            errors.Add($"PollInterval must be from 1 ms to {MaxPollInterval} (was {PollInterval}).");
        if (TimeProvider is null)
            errors.Add("TimeProvider must not be null.");
        if (KeyPrefix is null || KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
            errors.Add($"KeyPrefix must not be null or contain braces (was '{KeyPrefix}').");
        if (errors.Count > 0)
            throw new ArgumentException("Invalid RedisQueueOptions: " + string.Join(" ", errors), "options");
    }
}
