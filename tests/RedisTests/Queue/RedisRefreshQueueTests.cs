using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Queue;

/// <summary>
/// RedisRefreshQueue on one server and on a three-node cluster (the theories: on the cluster, queues
/// whose slots are on each node, and wake-ups crossing nodes), and on one server only (the facts).
/// </summary>
[Collection(RedisTopologyCollection.Name)]
public class RedisRefreshQueueTests(RedisTopologyFixture topologies) : IAsyncLifetime
{
    /// <summary>The single server the facts run on.</summary>
    private IRedisTopology _redis = null!;

    public async Task InitializeAsync() => _redis = await topologies.GetAsync(Topology.Single);

    public Task DisposeAsync() => Task.CompletedTask;

    private RedisRefreshQueue Queue(RedisQueueOptions? options = null, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        new(_redis.Connection, name, options);

    [Fact]
    public async Task EnqueueTakeComplete_DeliversTheRequestAndAcknowledgesIt()
    {
        using var queue = Queue();
        var sent = QueueTesting.Request();

        await queue.EnqueueAsync(sent);
        var taken = await queue.TakeNowAsync();

        Assert.NotNull(taken);
        Assert.Equal((sent.Job, sent.Key, sent.ExpectedVersion, sent.EnqueuedAt, 1), (taken.Job, taken.Key, taken.ExpectedVersion, taken.EnqueuedAt, taken.Attempt));
        Assert.Equal(sent.Arguments, taken.Arguments);
        Assert.Equal(new RedisQueueCounts(0, 1, 0), await queue.CountsAsync());

        await queue.CompleteAsync(new RefreshOutcome(taken, RefreshResult.Succeeded, TimeSpan.FromMilliseconds(5)));

        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
        Assert.Null(await queue.TakeNowAsync());
    }

    [Fact]
    public async Task Take_InTheOrderEnqueued()
    {
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request("a"));
        await queue.EnqueueAsync(QueueTesting.Request("b"));

        Assert.Equal("a", (await queue.TakeNowAsync())?.Key);
        Assert.Equal("b", (await queue.TakeNowAsync())?.Key);
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task EnqueueTakeComplete_QueuesOnEveryNode_KeepEachQueueOnOneNodeAndDeliverInOrder(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        foreach (var (name, node) in await QueuesOnEveryNodeAsync(redis))
        {
            using var queue = new RedisRefreshQueue(redis.Connection, name);
            await queue.EnqueueAsync(QueueTesting.Request("a"));
            await queue.EnqueueAsync(QueueTesting.Request("b"));
            // The hash tag keeps every key of the queue on the node owning its name's slot.
            Assert.True(await redis.IsStoredOnAsync(node, $"cacheback:queue:{{{name}}}:pending"), $"{name}'s pending should be on node {node}");
            var first = await queue.TakeNowAsync();

            // One take moved both requests into flight (the second waits in this process).
            foreach (var part in new[] { "inflight", "payloads", "attempts" })
                Assert.True(await redis.IsStoredOnAsync(node, $"cacheback:queue:{{{name}}}:{part}"), $"{name}'s {part} should be on node {node}");
            Assert.Equal(("a", 1), (first?.Key, first?.Attempt));
            Assert.Equal(new RedisQueueCounts(0, 2, 0), await queue.CountsAsync());
            await queue.CompleteAsync(new RefreshOutcome(first!, RefreshResult.Succeeded, TimeSpan.Zero));
            var second = await queue.TakeNowAsync();
            Assert.Equal("b", second?.Key);
            await queue.CompleteAsync(new RefreshOutcome(second!, RefreshResult.Succeeded, TimeSpan.Zero));
            Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
            Assert.Null(await queue.TakeNowAsync());
        }
    }

    [Fact]
    public async Task Take_NotCompletedWithinTheVisibilityTimeout_IsDeliveredAgain()
    {
        using var queue = Queue(new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(200), TimeProvider = new FakeTimeProvider() });
        await queue.EnqueueAsync(QueueTesting.Request());
        var first = await queue.TakeNowAsync();
        Assert.NotNull(first);

        // The worker that took it "died": nobody completes it. A take reaps it once its deadline passes.
        await PassServerTimeAsync(_redis, queue);
        var again = await queue.TakeWithinBoundAsync();

        Assert.Equal((first.Job, first.Key, 2), (again.Job, again.Key, again.Attempt));
        // The first worker turning up late changes nothing: the redelivery stands.
        await queue.CompleteAsync(new RefreshOutcome(first, RefreshResult.Succeeded, TimeSpan.Zero));
        Assert.Equal(new RedisQueueCounts(0, 1, 0), await queue.CountsAsync());
        await queue.CompleteAsync(new RefreshOutcome(again, RefreshResult.Succeeded, TimeSpan.Zero));
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
    }

    [Fact]
    public async Task Take_NeverCompletedOnItsLastAttempt_IsDeadLettered()
    {
        using var queue = Queue(new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(200), MaxAttempts = 1, TimeProvider = new FakeTimeProvider() });
        var reaped = await WhenPublished(queue, "reaped");
        await queue.EnqueueAsync(QueueTesting.Request());
        Assert.NotNull(await queue.TakeNowAsync());
        await PassServerTimeAsync(_redis, queue);
        using var stop = new CancellationTokenSource();
        var taker = queue.TakeAsync(stop.Token).AsTask();

        await reaped.WaitAsync(QueueTesting.Bound);
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => taker);
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("visibility timeout of 200 ms", dead.Error);
        Assert.Equal(("users", "k", 1), (dead.Request?.Job, dead.Request?.Key, dead.Attempts));
        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task Take_NotCompletedWithinTheVisibilityTimeout_IsDeliveredAgainThenDeadLettered(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        var name = (await QueuesOnEveryNodeAsync(redis))[^1].Name;
        using var queue = new RedisRefreshQueue(redis.Connection, name, new RedisQueueOptions
        {
            VisibilityTimeout = TimeSpan.FromMilliseconds(200),
            MaxAttempts = 2,
            TimeProvider = new FakeTimeProvider(),
        });
        await queue.EnqueueAsync(QueueTesting.Request());
        var first = await queue.TakeNowAsync();
        Assert.NotNull(first);

        // Its worker "died": a take reaps it once its deadline passes, and delivers it again.
        await PassServerTimeAsync(redis, queue);
        var again = await queue.TakeWithinBoundAsync();

        Assert.Equal(("k", 2), (again.Key, again.Attempt));
        await queue.CompleteAsync(new RefreshOutcome(first, RefreshResult.Succeeded, TimeSpan.Zero));
        Assert.Equal(new RedisQueueCounts(0, 1, 0), await queue.CountsAsync());
        // Its last attempt is never completed either: the next reap dead-letters it, and says so on the wake channel.
        var reaped = await WhenPublished(redis, queue, "reaped");
        await PassServerTimeAsync(redis, queue);
        using var stop = new CancellationTokenSource();
        var taker = queue.TakeAsync(stop.Token).AsTask();
        await reaped.WaitAsync(QueueTesting.Bound);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => taker);
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("visibility timeout of 200 ms on attempt 2", dead.Error);
        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task Complete_FailingMaxAttemptsTimes_DeadLettersTheRequestWithItsError(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        foreach (var (name, _) in await QueuesOnEveryNodeAsync(redis))
        {
            using var queue = new RedisRefreshQueue(redis.Connection, name, new RedisQueueOptions { MaxAttempts = 3 });
            await queue.EnqueueAsync(QueueTesting.Request());

            for (var attempt = 1; attempt <= 3; attempt++)
            {
                var taken = await queue.TakeNowAsync();
                Assert.Equal(attempt, taken?.Attempt);
                await queue.CompleteAsync(new RefreshOutcome(taken!, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException($"boom {attempt}")));
            }

            Assert.Null(await queue.TakeNowAsync());
            var dead = Assert.Single(await queue.DeadLettersAsync());
            Assert.Equal("InvalidOperationException: boom 3", dead.Error);
            Assert.Equal(3, dead.Attempts);
            Assert.Equal(("users", "k", 7L, 3), (dead.Request?.Job, dead.Request?.Key, dead.Request?.ExpectedVersion, dead.Request?.Attempt));
            Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
        }
    }

    [Fact]
    public async Task Complete_TimedOut_IsDeliveredAgain()
    {
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request());

        var first = await queue.TakeNowAsync();
        await queue.CompleteAsync(new RefreshOutcome(first!, RefreshResult.TimedOut, TimeSpan.Zero, new TimeoutException("slow")));
        var second = await queue.TakeNowAsync();

        Assert.Equal([1, 2], new[] { first!.Attempt, second!.Attempt });
        Assert.Empty(await queue.DeadLettersAsync());
    }

    // Issue 10, defect 16: an unknown job was retried MaxAttempts times, logging each, before its dead letter.
    [Fact]
    public async Task Complete_UnknownJob_IsDeadLetteredAtOnce()
    {
        // (A name too long to be any job's never reaches a worker: the take dead-letters it, with a
        // bounded reason; see the hostile-contents tests.)
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request() with { Job = "nobody-registered-this" });

        var first = await queue.TakeNowAsync();
        await queue.CompleteAsync(new RefreshOutcome(first!, RefreshResult.UnknownJob, TimeSpan.Zero));

        Assert.Equal(1, first!.Attempt);
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("no job named 'nobody-registered-this'", dead.Error, StringComparison.Ordinal);
        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Theory]
    [InlineData(RefreshResult.Superseded)]
    [InlineData(RefreshResult.SupersededBeforeFetch)]
    [InlineData(RefreshResult.Duplicate)]
    public async Task Complete_OutcomesThatNeedNoRetry_Acknowledge(RefreshResult result)
    {
        using var queue = Queue(name: $"{nameof(Complete_OutcomesThatNeedNoRetry_Acknowledge)}-{result}");
        await queue.EnqueueAsync(QueueTesting.Request());

        await queue.CompleteAsync(new RefreshOutcome((await queue.TakeNowAsync())!, result, TimeSpan.Zero));

        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
    }

    [Fact]
    public async Task Enqueue_Full_ThrowsRefreshQueueUnavailableNamingTheBound()
    {
        using var queue = Queue(new RedisQueueOptions { MaxLength = 2 });
        await queue.EnqueueAsync(QueueTesting.Request("a"));
        await queue.EnqueueAsync(QueueTesting.Request("b"));

        var e = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.EnqueueAsync(QueueTesting.Request("c")).AsTask());

        Assert.Contains("is full: 2 requests are pending", e.Message);
        Assert.Contains("users 'c'", e.Message);
        Assert.Equal(new RedisQueueCounts(2, 0, 0), await queue.CountsAsync());
    }

    [Theory]
    [InlineData(Topology.Single)]
    [InlineData(Topology.Cluster)]
    public async Task Take_Idle_WakesOnAnotherConnectionsEnqueueLongBeforeThePollIntervalWhicheverNodeHoldsTheQueue(Topology topology)
    {
        var redis = await topologies.GetAsync(topology);
        foreach (var (name, _) in await QueuesOnEveryNodeAsync(redis))
        {
            // The wake-up is published by the script on the queue's node; the taker may be subscribed on another.
            // The poll runs on a clock that never moves: only the enqueue's notification can wake the take.
            using var queue = new RedisRefreshQueue(redis.Connection, name, new RedisQueueOptions { PollInterval = TimeSpan.FromSeconds(30), TimeProvider = new FakeTimeProvider() });
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Idle += () => idle.TrySetResult();
            using var stop = new CancellationTokenSource(QueueTesting.Bound);
            var take = queue.TakeAsync(stop.Token).AsTask();
            await idle.Task.WaitAsync(QueueTesting.Bound);

            // A second queue object on the other connection: another process's enqueue.
            using var enqueuer = new RedisRefreshQueue(redis.OtherConnection, name);
            await enqueuer.EnqueueAsync(QueueTesting.Request());
            var taken = await take.WaitAsync(QueueTesting.Bound);

            Assert.Equal("k", taken?.Key);
        }
    }

    [Fact]
    public async Task Take_Cancelled_ThrowsOperationCanceled()
    {
        using var queue = Queue(new RedisQueueOptions { PollInterval = TimeSpan.FromSeconds(30), TimeProvider = new FakeTimeProvider() });
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Idle += () => idle.TrySetResult();
        using var stop = new CancellationTokenSource();
        var take = queue.TakeAsync(stop.Token).AsTask();
        await idle.Task.WaitAsync(QueueTesting.Bound);

        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => take.WaitAsync(QueueTesting.Bound));
    }

    [Fact]
    public async Task Take_AfterDispose_ReturnsNull()
    {
        var queue = Queue(new RedisQueueOptions { PollInterval = TimeSpan.FromSeconds(30), TimeProvider = new FakeTimeProvider() });
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Idle += () => idle.TrySetResult();
        var take = queue.TakeAsync(CancellationToken.None).AsTask();
        await idle.Task.WaitAsync(QueueTesting.Bound);

        queue.Dispose();

        Assert.Null(await take.WaitAsync(QueueTesting.Bound));
    }

    [Fact]
    public async Task Take_UnreadablePayload_IsDeadLetteredNotDropped()
    {
        using var queue = Queue();
        var db = _redis.Connection.GetDatabase();
        var root = $"cacheback:queue:{{{queue.Name}}}:";
        await db.HashSetAsync(root + "payloads", "bad", "{\"job\":");
        await db.HashSetAsync(root + "attempts", "bad", 1);
        await db.ListLeftPushAsync(root + "pending", "bad");

        Assert.Null(await queue.TakeNowAsync());

        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Equal("bad", dead.Id);
        Assert.Null(dead.Request);
        Assert.Equal("{\"job\":", dead.RawRequest);
        Assert.StartsWith("unreadable request", dead.Error);
    }

    [Fact]
    public async Task Queues_OfDifferentNames_DoNotShareRequests()
    {
        using var a = new RedisRefreshQueue(_redis.Connection, "Queues_a");
        using var b = new RedisRefreshQueue(_redis.Connection, "Queues_b");

        await a.EnqueueAsync(QueueTesting.Request());

        Assert.Null(await b.TakeNowAsync());
        Assert.NotNull(await a.TakeNowAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("{tag}")]
    [InlineData("star*")]
    public void Create_BadName_IsAClearError(string name)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new RedisRefreshQueue(_redis.Connection, name));

        Assert.Equal("name", e.ParamName);
    }

    [Fact]
    public void Create_BadOptions_NamesEveryOneOfThem()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisRefreshQueue(_redis.Connection, "q", new RedisQueueOptions
        {
            VisibilityTimeout = TimeSpan.Zero,
            MaxAttempts = 0,
            MaxLength = -1,
            MaxDeadLetters = 0,
            PollInterval = TimeSpan.FromMilliseconds(-5),
            KeyPrefix = "a{b}:",
        }));

        foreach (var option in new[] { "VisibilityTimeout", "MaxAttempts", "MaxLength", "MaxDeadLetters", "PollInterval", "KeyPrefix" })
            Assert.Contains(option, e.Message);
    }

    [Fact]
    public void Options_Defaults_AreTheDocumentedOnes()
    {
        var options = new RedisQueueOptions();

        Assert.Equal(
            (TimeSpan.FromMinutes(2), 3, 100_000, 10_000, TimeSpan.FromSeconds(1), "cacheback:queue:", 32),
            (options.VisibilityTimeout, options.MaxAttempts, options.MaxLength, options.MaxDeadLetters, options.PollInterval, options.KeyPrefix, options.TakeBatch));
    }

    /// <summary>One queue name per node, named after the calling test: queue i's keys live on node i.</summary>
    private static async Task<(string Name, int Node)[]> QueuesOnEveryNodeAsync(IRedisTopology redis, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var names = await redis.OnEveryNodeAsync(i => $"{test}-{i}", name => $"cacheback:queue:{{{name}}}:pending");
        return names.Select((name, node) => (name, node)).ToArray();
    }

    /// <summary>
    /// Every in-flight deadline of <paramref name="queue"/> passes, as if a minute of the server's time
    /// went by. The queue's own clock is a <see cref="FakeTimeProvider"/> that never moves: no poll
    /// runs, so only a take the test makes looks at the deadlines, and it finds them passed.
    /// </summary>
    private static Task PassServerTimeAsync(IRedisTopology redis, RedisRefreshQueue queue) =>
        redis.Connection.GetDatabase().ShiftDeadlinesAsync(queue.Name, TimeSpan.FromMinutes(1));

    /// <summary>Completes when the queue's wake channel carries <paramref name="message"/>.</summary>
    private Task<Task> WhenPublished(RedisRefreshQueue queue, string message) => WhenPublished(_redis, queue, message);

    /// <summary>Completes when the queue's wake channel carries <paramref name="message"/>.</summary>
    private static async Task<Task> WhenPublished(IRedisTopology redis, RedisRefreshQueue queue, string message)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.Connection.GetSubscriber().SubscribeAsync(
            new RedisChannel($"cacheback:queue:{{{queue.Name}}}:wake", RedisChannel.PatternMode.Literal),
            (_, value) =>
            {
                if (value == message)
                    seen.TrySetResult();
            });
        return seen.Task;
    }
}
