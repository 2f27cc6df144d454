using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Queue;

/// <summary>
/// Batched takes (issue 10, defect 4): requests taken in one round trip that wait in a live worker's
/// buffer for a free slot are never delivered to another worker. The deadlines are on the Redis
/// server's clock; the tests move it by shifting every deadline of the in-flight set back, and move
/// the workers' own clock (their renewals) with a <see cref="FakeTimeProvider"/>. Nothing sleeps.
/// </summary>
[Collection(RedisCollection.Name)]
public class RedisRefreshQueueBatchTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private static RedisQueueOptions Options(FakeTimeProvider time, int takeBatch) =>
        new() { VisibilityTimeout = Visibility, TakeBatch = takeBatch, TimeProvider = time, PollInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Take_BatchWaitingInALiveWorkersBuffer_IsNotDeliveredToAnotherWorker()
    {
        var name = nameof(Take_BatchWaitingInALiveWorkersBuffer_IsNotDeliveredToAnotherWorker);
        var (timeA, timeB) = (new FakeTimeProvider(), new FakeTimeProvider());
        using var a = new RedisRefreshQueue(redis.Connection, name, Options(timeA, takeBatch: 4));
        using var b = new RedisRefreshQueue(redis.Connection, name, Options(timeB, takeBatch: 1));
        foreach (var key in new[] { "r1", "r2", "r3", "r4" })
            await a.EnqueueAsync(QueueTesting.Request(key));

        var first = await a.TakeNowAsync();
        Assert.Equal("r1", first?.Key);
        Assert.Equal(3, a.Prefetched);

        // A worker whose slots stay busy: one and a half visibility timeouts pass, in steps of the
        // renewal period, while r2..r4 wait in a's buffer.
        var period = a.Options.RenewPeriod;
        for (var passed = TimeSpan.Zero; passed <= Visibility * 1.5; passed += period)
        {
            await ShiftAsync(name, period);
            timeA.Advance(period);
            await a.Renewal.WaitAsync(QueueTesting.Bound);
        }

        // r1 was handed out and never completed: its worker counts as dead, and b gets it again.
        var again = await b.TakeNowAsync();
        Assert.Equal(("r1", 2), (again?.Key, again?.Attempt));
        // The buffered ones are a's: b finds nothing more.
        Assert.Null(await b.TakeNowAsync());
        var rest = new[] { await a.TakeNowAsync(), await a.TakeNowAsync(), await a.TakeNowAsync() };
        Assert.Equal([("r2", 1), ("r3", 1), ("r4", 1)], rest.Select(r => (r?.Key, r?.Attempt ?? 0)));

        foreach (var request in rest)
            await a.CompleteAsync(new RefreshOutcome(request!, RefreshResult.Succeeded, TimeSpan.Zero));
        await b.CompleteAsync(new RefreshOutcome(again!, RefreshResult.Succeeded, TimeSpan.Zero));
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await a.CountsAsync());
    }

    [Fact]
    public async Task Take_HandedOutFromTheBuffer_HasAWholeVisibilityTimeoutFromThen()
    {
        var name = nameof(Take_HandedOutFromTheBuffer_HasAWholeVisibilityTimeoutFromThen);
        var (timeA, timeB) = (new FakeTimeProvider(), new FakeTimeProvider());
        using var a = new RedisRefreshQueue(redis.Connection, name, Options(timeA, takeBatch: 2));
        using var b = new RedisRefreshQueue(redis.Connection, name, Options(timeB, takeBatch: 1));
        await a.EnqueueAsync(QueueTesting.Request("r1"));
        await a.EnqueueAsync(QueueTesting.Request("r2"));
        Assert.Equal("r1", (await a.TakeNowAsync())?.Key);
        var period = a.Options.RenewPeriod;
        for (var step = 0; step < 8; step++)
        {
            await ShiftAsync(name, period);
            timeA.Advance(period);
            await a.Renewal.WaitAsync(QueueTesting.Bound);
        }

        // r2 is handed out now, two visibility timeouts after it was taken from Redis.
        Assert.Equal("r2", (await a.TakeNowAsync())?.Key);
        await ShiftAsync(name, Visibility - TimeSpan.FromSeconds(1));

        // Almost a visibility timeout later, it is still a's; r1 (handed out long ago) is not.
        Assert.Equal("r1", (await b.TakeNowAsync())?.Key);
        Assert.Null(await b.TakeNowAsync());
    }

    [Fact]
    public async Task Renewal_OfARequestDeliveredElsewhereMeanwhile_DropsItFromTheBuffer()
    {
        var name = nameof(Renewal_OfARequestDeliveredElsewhereMeanwhile_DropsItFromTheBuffer);
        var (timeA, timeB) = (new FakeTimeProvider(), new FakeTimeProvider());
        using var a = new RedisRefreshQueue(redis.Connection, name, Options(timeA, takeBatch: 2));
        using var b = new RedisRefreshQueue(redis.Connection, name, Options(timeB, takeBatch: 2));
        await a.EnqueueAsync(QueueTesting.Request("r1"));
        await a.EnqueueAsync(QueueTesting.Request("r2"));
        Assert.Equal("r1", (await a.TakeNowAsync())?.Key);
        // a's renewal came too late (a process frozen longer than the timeout): b reaps both.
        await ShiftAsync(name, Visibility * 2);
        Assert.Equal(2, (await b.TakeNowAsync())?.Attempt);
        Assert.Equal(1, b.Prefetched);

        timeA.Advance(a.Options.RenewPeriod);
        await a.Renewal.WaitAsync(QueueTesting.Bound);

        // r2 is b's now: a does not run it as well.
        Assert.Equal(0, a.Prefetched);
        Assert.Null(await a.TakeNowAsync());
    }

    [Fact]
    public async Task Dispose_GivesTheBufferedRequestsBackForOtherWorkersOnTheSameAttempt()
    {
        var name = nameof(Dispose_GivesTheBufferedRequestsBackForOtherWorkersOnTheSameAttempt);
        var b = new RedisRefreshQueue(redis.Connection, name, Options(new FakeTimeProvider(), takeBatch: 1));
        using var other = b;
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.Connection.GetSubscriber().SubscribeAsync(
            RedisChannel.Literal($"cacheback:queue:{{{name}}}:wake"),
            (_, message) =>
            {
                if (message == "released")
                    released.TrySetResult();
            });
        var a = new RedisRefreshQueue(redis.Connection, name, Options(new FakeTimeProvider(), takeBatch: 3));
        foreach (var key in new[] { "r1", "r2", "r3" })
            await a.EnqueueAsync(QueueTesting.Request(key));
        Assert.Equal("r1", (await a.TakeNowAsync())?.Key);

        a.Dispose();
        await released.Task.WaitAsync(QueueTesting.Bound);

        var next = new[] { await b.TakeNowAsync(), await b.TakeNowAsync() };
        Assert.Equal([("r2", 1), ("r3", 1)], next.Select(r => (r?.Key, r?.Attempt ?? 0)));
        Assert.Equal(new RedisQueueCounts(0, 3, 0), await b.CountsAsync());
    }

    [Fact]
    public async Task Take_Idle_LooksAgainAfterThePollIntervalOfTheQueuesClock()
    {
        var name = nameof(Take_Idle_LooksAgainAfterThePollIntervalOfTheQueuesClock);
        var time = new FakeTimeProvider();
        using var queue = new RedisRefreshQueue(redis.Connection, name, Options(time, takeBatch: 1) with { PollInterval = TimeSpan.FromMinutes(1) });
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Idle += () => idle.TrySetResult();
        using var stop = new CancellationTokenSource(QueueTesting.Bound);
        var take = queue.TakeAsync(stop.Token).AsTask();
        await idle.Task.WaitAsync(QueueTesting.Bound);
        // A request that arrives without a wake-up (as when the pub/sub message is missed).
        var db = redis.Connection.GetDatabase();
        var root = $"cacheback:queue:{{{name}}}:";
        await db.HashSetAsync(root + "payloads", "id1", QueuedRequest.From("id1", QueueTesting.Request("polled")).ToJson());
        await db.HashSetAsync(root + "attempts", "id1", 1);
        await db.ListLeftPushAsync(root + "pending", "id1");
        Assert.False(take.IsCompleted);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("polled", (await take.WaitAsync(QueueTesting.Bound))?.Key);
    }

    private Task ShiftAsync(string queue, TimeSpan by) => redis.Connection.GetDatabase().ShiftDeadlinesAsync(queue, by);
}
