using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Queue;

/// <summary>The dead letters' bound, and the operator's requeue and purge. One queue name per test (its method name).</summary>
[Collection(RedisCollection.Name)]
public class RedisRefreshQueueDeadLetterTests(RedisServerFixture redis)
{
    private readonly ListLoggerFactory _logs = new();

    private RedisRefreshQueue Queue(RedisQueueOptions? options = null, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        new(redis.Connection, name, options ?? new RedisQueueOptions { MaxAttempts = 1 }, _logs.CreateLogger("queue"));

    private static string Root(RedisRefreshQueue queue) => $"cacheback:queue:{{{queue.Name}}}:";

    [Fact]
    public async Task Complete_DeadLettersBeyondMaxDeadLetters_KeepsTheNewestAndLogsHowManyWent()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 1, MaxDeadLetters = 2 });

        await DeadLetterAsync(queue, "a");
        await DeadLetterAsync(queue, "b");
        Assert.Empty(Dropped());
        await DeadLetterAsync(queue, "c");

        Assert.Equal(["c", "b"], (await queue.DeadLettersAsync()).Select(d => d.Request?.Key));
        Assert.Equal(new RedisQueueCounts(0, 0, 2), await queue.CountsAsync());
        Assert.Contains("dropped the 1 oldest dead letter(s) to keep the newest 2", Assert.Single(Dropped()).Message);
    }

    [Fact]
    public async Task Take_ReapingBeyondMaxDeadLetters_KeepsTheNewestAndLogsHowManyWent()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 1, MaxDeadLetters = 1 });
        await DeadLetterAsync(queue, "a");
        await queue.EnqueueAsync(QueueTesting.Request("b"));
        Assert.Equal("b", (await queue.TakeNowAsync())?.Key);
        // Its worker "died": its deadline passes at once instead of after the visibility timeout.
        var inFlight = Root(queue) + "inflight";
        var id = (await redis.Connection.GetDatabase().SortedSetRangeByRankAsync(inFlight)).Single();
        await redis.Connection.GetDatabase().SortedSetAddAsync(inFlight, id, 0);

        Assert.Null(await queue.TakeNowAsync());

        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Equal("b", dead.Request?.Key);
        Assert.Contains("visibility timeout", dead.Error);
        Assert.Contains("dropped the 1 oldest dead letter(s) to keep the newest 1", Assert.Single(Dropped()).Message);
    }

    [Fact]
    public async Task RequeueDeadLetters_Some_RequeuesTheOldestOnTheirFirstAttempt()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 2 });
        await DeadLetterAsync(queue, "a");
        await DeadLetterAsync(queue, "b");
        await DeadLetterAsync(queue, "c");
        var ids = (await queue.DeadLettersAsync()).ToDictionary(d => d.Request!.Key, d => d.Id);

        Assert.Equal(2, await queue.RequeueDeadLettersAsync(2));

        Assert.Equal(new RedisQueueCounts(2, 0, 1), await queue.CountsAsync());
        Assert.Equal(ids["c"], Assert.Single(await queue.DeadLettersAsync()).Id);
        var first = await queue.TakeNowAsync();
        var second = await queue.TakeNowAsync();
        Assert.Equal([("a", 1), ("b", 1)], new[] { (first?.Key, first?.Attempt), (second?.Key, second?.Attempt) });
        Assert.Equal(QueueTesting.Request().Arguments, first!.Arguments);
        // Attempts start over: a failure is delivered again rather than dead-lettered.
        await queue.CompleteAsync(new RefreshOutcome(first, RefreshResult.Failed, TimeSpan.Zero));
        var again = await queue.TakeNowAsync();
        Assert.Equal(("a", 2), (again?.Key, again?.Attempt));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("requeued 2 dead letter(s)"));
    }

    [Fact]
    public async Task RequeueDeadLetters_IdleTaker_IsWokenAndTakesTheRequest()
    {
        // The poll runs on a clock that never moves: only the requeue's wake-up can end the take's wait.
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 1, PollInterval = TimeSpan.FromSeconds(30), TimeProvider = new FakeTimeProvider() });
        await DeadLetterAsync(queue, "a");
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Idle += () => idle.TrySetResult();
        var take = queue.TakeWithinBoundAsync();
        await idle.Task.WaitAsync(QueueTesting.Bound);

        Assert.Equal(1, await queue.RequeueDeadLettersAsync());

        var taken = await take.WaitAsync(QueueTesting.Bound);
        Assert.Equal(("a", 1), (taken.Key, taken.Attempt));
        Assert.Equal(new RedisQueueCounts(0, 1, 0), await queue.CountsAsync());
    }

    [Fact]
    public async Task RequeueDeadLetters_PendingListFills_StopsThereAndLeavesTheRestDead()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 1, MaxLength = 2 });
        await DeadLetterAsync(queue, "a");
        await DeadLetterAsync(queue, "b");
        await DeadLetterAsync(queue, "c");
        await queue.EnqueueAsync(QueueTesting.Request("x"));

        Assert.Equal(1, await queue.RequeueDeadLettersAsync(10));

        Assert.Equal(new RedisQueueCounts(2, 0, 2), await queue.CountsAsync());
        Assert.Equal(["c", "b"], (await queue.DeadLettersAsync()).Select(d => d.Request?.Key));
        var first = await queue.TakeNowAsync();
        var second = await queue.TakeNowAsync();
        Assert.Equal(("x", "a"), (first?.Key, second?.Key));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("2 requests are pending (RedisQueueOptions.MaxLength); the rest stay dead"));
    }

    [Fact]
    public async Task RequeueDeadLetters_UnreadableEntries_StayDeadAndTheReadableOnesMove()
    {
        using var queue = Queue();
        var db = redis.Connection.GetDatabase();
        var dead = Root(queue) + "dead";
        // Oldest first: not an entry at all, an entry with no request, an unreadable request, a good one.
        await db.ListLeftPushAsync(dead, "not json");
        await db.ListLeftPushAsync(dead, """{"id":"empty","attempts":1,"error":"e","deadAtMs":0,"request":""}""");
        await db.HashSetAsync(Root(queue) + "payloads", "bad", """{"job":""");
        await db.HashSetAsync(Root(queue) + "attempts", "bad", 1);
        await db.ListLeftPushAsync(Root(queue) + "pending", "bad");
        Assert.Null(await queue.TakeNowAsync());
        await DeadLetterAsync(queue, "good");

        Assert.Equal(1, await queue.RequeueDeadLettersAsync());

        Assert.Equal(new RedisQueueCounts(1, 0, 3), await queue.CountsAsync());
        Assert.Equal(["bad", "empty"], (await queue.DeadLettersAsync()).Select(d => d.Id));
        Assert.Equal("not json", (string?)await db.ListGetByIndexAsync(dead, -1));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("3 dead letter(s) stay dead"));
        var taken = await queue.TakeNowAsync();
        Assert.Equal(("good", 1), (taken?.Key, taken?.Attempt));
        // Nothing readable is left: a second requeue moves nothing and loses nothing.
        Assert.Equal(0, await queue.RequeueDeadLettersAsync());
        Assert.Equal(3, (await queue.CountsAsync()).DeadLettered);
    }

    [Fact]
    public async Task RequeueDeadLetters_IdQueuedAlready_StaysDead()
    {
        using var queue = Queue();
        await DeadLetterAsync(queue, "a");
        var id = Assert.Single(await queue.DeadLettersAsync()).Id;
        await redis.Connection.GetDatabase().HashSetAsync(Root(queue) + "payloads", id, QueuedRequest.From(id, QueueTesting.Request("a")).ToJson());

        Assert.Equal(0, await queue.RequeueDeadLettersAsync());

        Assert.Equal(1, (await queue.CountsAsync()).DeadLettered);
    }

    [Fact]
    public async Task RequeueDeadLetters_NoneDead_ReturnsZero()
    {
        using var queue = Queue();

        Assert.Equal(0, await queue.RequeueDeadLettersAsync());
        Assert.Equal(new RedisQueueCounts(0, 0, 0), await queue.CountsAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task RequeueDeadLetters_CountNotPositive_Throws(int count)
    {
        using var queue = Queue(name: $"{nameof(RequeueDeadLetters_CountNotPositive_Throws)}{count}");

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.RequeueDeadLettersAsync(count));

        Assert.Equal("count", e.ParamName);
    }

    [Fact]
    public async Task RequeueDeadLetter_ById_RequeuesThatOneOnly()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 2 });
        await DeadLetterAsync(queue, "a");
        await DeadLetterAsync(queue, "b");
        await DeadLetterAsync(queue, "c");
        var ids = (await queue.DeadLettersAsync()).ToDictionary(d => d.Request!.Key, d => d.Id);

        Assert.True(await queue.RequeueDeadLetterAsync(ids["b"]));

        Assert.Equal([ids["c"], ids["a"]], (await queue.DeadLettersAsync()).Select(d => d.Id));
        var taken = await queue.TakeNowAsync();
        Assert.Equal(("b", 1), (taken?.Key, taken?.Attempt));
        Assert.Null(await queue.TakeNowAsync());
        Assert.False(await queue.RequeueDeadLetterAsync(ids["b"]));
    }

    [Fact]
    public async Task RequeueDeadLetter_UnknownId_ReturnsFalseAndChangesNothing()
    {
        using var queue = Queue();
        await DeadLetterAsync(queue, "a");

        Assert.False(await queue.RequeueDeadLetterAsync("no-such-id"));

        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Fact]
    public async Task RequeueDeadLetter_UnreadableRequest_ReturnsFalseAndKeepsIt()
    {
        using var queue = Queue();
        await redis.Connection.GetDatabase().ListLeftPushAsync(Root(queue) + "dead", """{"id":"bad","attempts":1,"error":"e","deadAtMs":0,"request":"{\"job\":"}""");

        Assert.False(await queue.RequeueDeadLetterAsync("bad"));

        Assert.Equal("bad", Assert.Single(await queue.DeadLettersAsync()).Id);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("1 dead letter(s) stay dead"));
    }

    [Fact]
    public async Task RequeueDeadLetter_PendingListFull_ThrowsAndKeepsIt()
    {
        using var queue = Queue(new RedisQueueOptions { MaxAttempts = 1, MaxLength = 1 });
        await DeadLetterAsync(queue, "a");
        var id = Assert.Single(await queue.DeadLettersAsync()).Id;
        await queue.EnqueueAsync(QueueTesting.Request("x"));

        var e = await Assert.ThrowsAsync<RefreshQueueUnavailableException>(() => queue.RequeueDeadLetterAsync(id));

        Assert.Contains($"is full: 1 requests are pending (RedisQueueOptions.MaxLength); the dead letter {id} was not requeued", e.Message);
        Assert.Equal(new RedisQueueCounts(1, 0, 1), await queue.CountsAsync());
    }

    [Fact]
    public async Task PurgeDeadLetters_Some_RemovesEveryOneAndSaysHowMany()
    {
        using var queue = Queue();
        await DeadLetterAsync(queue, "a");
        await DeadLetterAsync(queue, "b");
        await queue.EnqueueAsync(QueueTesting.Request("live"));

        Assert.Equal(2, await queue.PurgeDeadLettersAsync());

        Assert.Equal(new RedisQueueCounts(1, 0, 0), await queue.CountsAsync());
        Assert.Equal(0, await queue.PurgeDeadLettersAsync());
        Assert.Equal("live", (await queue.TakeNowAsync())?.Key);
    }

    [Fact]
    public void Create_MaxDeadLettersNotPositive_IsAnErrorNamingTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisRefreshQueue(redis.Connection, "q", new RedisQueueOptions { MaxDeadLetters = 0 }));

        Assert.Contains("MaxDeadLetters must be at least 1 (was 0).", e.Message);
    }

    /// <summary>Enqueues a request for <paramref name="key"/> and fails every attempt of it, so it ends dead.</summary>
    private static async Task DeadLetterAsync(RedisRefreshQueue queue, string key)
    {
        await queue.EnqueueAsync(QueueTesting.Request(key));
        for (var attempt = 1; attempt <= queue.Options.MaxAttempts; attempt++)
        {
            var taken = await queue.TakeNowAsync() ?? throw new InvalidOperationException($"{key} was not delivered for attempt {attempt}.");
            await queue.CompleteAsync(new RefreshOutcome(taken, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException($"boom {key}")));
        }
    }

    private IEnumerable<ListLoggerFactory.LogEntry> Dropped() =>
        _logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("dropped the"));
}
