using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Queue;

/// <summary>
/// Whatever anyone writes into the queue's keys, the take goes on (issue 10, defect 2): a request it
/// cannot read is dead-lettered with why, logged with a bounded prefix of what Redis held, and the
/// next one is taken. One queue name per test (its method name).
/// </summary>
[Collection(RedisCollection.Name)]
public class RedisRefreshQueueHostileTests(RedisServerFixture redis)
{
    private const int LogBound = 1_000;
    private readonly ListLoggerFactory _logs = new();

    private RedisRefreshQueue Queue(RedisQueueOptions? options = null, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        new(redis.Connection, name, options, _logs.CreateLogger("queue"));

    private static string Root(RedisRefreshQueue queue) => $"cacheback:queue:{{{queue.Name}}}:";

    private IDatabase Db => redis.Connection.GetDatabase();

    [Fact]
    public async Task Take_AttemptsValueIsNotANumber_DeadLettersThatRequestAndTakesTheNext()
    {
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request("bad"));
        var id = (string?)await Db.ListGetByIndexAsync(Root(queue) + "pending", 0);
        await Db.HashSetAsync(Root(queue) + "attempts", id, "x");
        await queue.EnqueueAsync(QueueTesting.Request("good"));

        var taken = await queue.TakeNowAsync();

        Assert.Equal(("good", 1), (taken?.Key, taken?.Attempt));
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Equal((id, "bad"), (dead.Id, dead.Request?.Key));
        Assert.Contains("attempts value", dead.Error);
        Assert.Contains(_logs.Entries, e => e.Message.Contains(id!, StringComparison.Ordinal) && e.Message.Contains("attempts value", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1.5")]
    [InlineData("99999999999999")]
    public async Task Take_AttemptsValueOutOfRange_DeadLettersThatRequest(string attempts)
    {
        using var queue = Queue(name: $"{nameof(Take_AttemptsValueOutOfRange_DeadLettersThatRequest)}{attempts}");
        await queue.EnqueueAsync(QueueTesting.Request("bad"));
        var id = (string?)await Db.ListGetByIndexAsync(Root(queue) + "pending", 0);
        await Db.HashSetAsync(Root(queue) + "attempts", id, attempts);

        Assert.Null(await queue.TakeNowAsync());

        Assert.Contains("attempts value", Assert.Single(await queue.DeadLettersAsync()).Error);
    }

    [Fact]
    public async Task Take_ReapingARequestWhoseAttemptsValueIsGarbage_DeadLettersItWithABoundedReason()
    {
        using var queue = Queue();
        await queue.EnqueueAsync(QueueTesting.Request("bad"));
        var id = (string?)await Db.ListGetByIndexAsync(Root(queue) + "pending", 0);
        Assert.NotNull(await queue.TakeNowAsync());
        await Db.HashSetAsync(Root(queue) + "attempts", id, new string('x', 100_000));
        // Its worker "died": its deadline passes at once instead of after the visibility timeout.
        await Db.SortedSetAddAsync(Root(queue) + "inflight", id, 0);

        Assert.Null(await queue.TakeNowAsync());

        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("attempts value", dead.Error);
        Assert.True(dead.Error.Length < LogBound, $"the dead letter's error is {dead.Error.Length} characters long");
        Assert.All(_logs.Entries, e => Assert.True(e.Message.Length < LogBound, $"a log line is {e.Message.Length} characters long"));
        Assert.Equal(new RedisQueueCounts(0, 0, 1), await queue.CountsAsync());
    }

    [Fact]
    public async Task Take_HugeJobName_IsDeadLetteredAndNeverWrittenInFullToALogOrTheError()
    {
        using var queue = Queue();
        var job = new string('j', 1_000_000);
        await queue.EnqueueAsync(QueueTesting.Request("huge") with { Job = job });
        await queue.EnqueueAsync(QueueTesting.Request("good"));

        var taken = await queue.TakeNowAsync();

        Assert.Equal("good", taken?.Key);
        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Contains("job name is 1000000 characters long", dead.Error);
        Assert.True(dead.Error.Length < LogBound, $"the dead letter's error is {dead.Error.Length} characters long");
        Assert.NotEmpty(_logs.Entries);
        Assert.All(_logs.Entries, e => Assert.True(e.Message.Length < LogBound, $"a log line is {e.Message.Length} characters long"));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("null")]
    [InlineData("""{"id":"a","job":"users","key":"k","arguments":"AQID","enqueuedAt":"yesterday","attempt":1}""")]
    [InlineData("""{"id":"a","job":"users","key":"k","arguments":12,"enqueuedAt":"2026-01-01T00:00:00+00:00","attempt":1}""")]
    public async Task Take_UnreadableBody_DeadLettersItAndTakesTheNext(string body)
    {
        using var queue = Queue(name: $"{nameof(Take_UnreadableBody_DeadLettersItAndTakesTheNext)}{body.GetHashCode(StringComparison.Ordinal)}");
        await queue.EnqueueAsync(QueueTesting.Request("bad"));
        var id = (string?)await Db.ListGetByIndexAsync(Root(queue) + "pending", 0);
        await Db.HashSetAsync(Root(queue) + "payloads", id, body);
        await queue.EnqueueAsync(QueueTesting.Request("good"));

        Assert.Equal("good", (await queue.TakeNowAsync())?.Key);

        var dead = Assert.Single(await queue.DeadLettersAsync());
        Assert.Equal((id, body), (dead.Id, dead.RawRequest));
        Assert.StartsWith("unreadable request", dead.Error);
    }

    [Theory]
    [InlineData(nameof(RedisQueueOptions.PollInterval), "00:10:00")]
    [InlineData(nameof(RedisQueueOptions.VisibilityTimeout), "1.00:00:00")]
    public void Create_ADurationOfSixtyDays_IsRefusedNamingTheFieldAndItsLimit(string option, string limit)
    {
        var sixtyDays = TimeSpan.FromDays(60);
        var options = option == nameof(RedisQueueOptions.PollInterval)
            ? new RedisQueueOptions { PollInterval = sixtyDays }
            : new RedisQueueOptions { VisibilityTimeout = sixtyDays };

        var e = Assert.Throws<ArgumentException>(() => new RedisRefreshQueue(redis.Connection, "q", options));

        Assert.Contains($"{option} must be from 1 ms to {limit} (was 60.00:00:00)", e.Message);
    }
}
