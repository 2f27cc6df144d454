using System.Globalization;
using Cacheback.Tests.Redis;
using Cacheback.Worker;
using StackExchange.Redis;

namespace Cacheback.Tests.MultiProcess;

/// <summary>
/// Cacheback across OS processes: reader processes (web nodes that never refresh) and worker
/// processes (Cacheback.Worker) share one redis-server. Refreshes are counted by the
/// <c>profiles</c> job itself (an INCR per fetch in Redis), so the counts cover every process.
/// Phases are coordinated by stdin/stdout lines and by polling Redis state with a deadline.
/// </summary>
public sealed class MultiProcessTests : IAsyncLifetime
{
    // A bound, not a wait: on a machine loaded to a load average of 40 (other builds), a killed worker's refreshes took over 20 s to land.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private RedisServer _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private readonly List<ChildProcess> _children = [];

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await _server.ConnectAsync();
        // Waits on other processes' state wake on every change to a key: keyspace notifications.
        using var admin = await RedisServer.ConnectedAsync(_server.ConnectionString + ",allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).ConfigSetAsync("notify-keyspace-events", "KA");
    }

    public Task DisposeAsync()
    {
        foreach (var child in _children)
            child.Dispose();
        _connection.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task StaleReadsFromFourProcesses_TwoWorkers_ExactlyOneRefreshPerKeyPerEpisode()
    {
        const int keys = 40;
        const int episodes = 3;
        var setup = new Setup("episodes", Lifetime: TimeSpan.FromSeconds(2), Visibility: TimeSpan.FromSeconds(10));
        using var node = await SeedAsync(setup, keys);
        var workers = StartAll(setup, "worker", 2, reader: false);
        var readers = StartAll(setup, "reader", 4, reader: true);
        await Task.WhenAll(workers.Concat(readers).Select(p => p.ExpectAsync("ready")));

        for (var episode = 1; episode <= episodes; episode++)
        {
            await WaitUntilAllStaleAsync(node, keys);

            // 4 processes x 8 tasks read every key: 1,280 reads of 40 stale keys.
            await Task.WhenAll(readers.Select(r => r.SendAsync($"read {keys} 8 1")));
            await Task.WhenAll(readers.Select(r => r.ExpectAsync("done")));

            var expected = episode;
            await WaitForAsync(
                $"every key refreshed {expected} time(s) and the queue empty",
                async () => (await CountersAsync(setup, keys)).All(c => c >= expected) && await node.Queue.CountsAsync() == new RedisQueueCounts(0, 0, 0));
            var counters = await CountersAsync(setup, keys);
            Assert.All(Enumerable.Range(0, keys), i => Assert.True(counters[i] == expected, $"user-{i} was refreshed {counters[i]} times after {expected} stale episode(s)"));
            // RawGetAsync, not GetAsync: on a loaded machine this loop may outlast the 2 s lifetime,
            // and a read of a key gone stale again would itself enqueue one more refresh.
            for (var i = 0; i < keys; i++)
                Assert.Equal($"user-{i}#{expected}", (await node.Jobs.Profiles.RawGetAsync($"user-{i}"))?.Value);
        }

        Assert.Empty(await node.Queue.DeadLettersAsync());
        Assert.All(workers.Concat(readers), p => Assert.False(p.HasExited, $"{p.Name} exited: {p.Output}"));
    }

    [Fact]
    public async Task WorkerKilledWhileHoldingRefreshes_EveryRefreshIsRedeliveredAndLands()
    {
        const int keys = 24;
        // A lease (RefreshTimeout) far longer than the test: readers cannot trigger a refresh again,
        // so whatever lands after the kill was delivered again by the queue.
        var setup = new Setup("kill", Lifetime: TimeSpan.FromSeconds(1), Visibility: TimeSpan.FromSeconds(1));
        using var node = await SeedAsync(setup, keys);
        var db = _connection.GetDatabase();
        var victim = StartWorker(setup, "victim");
        var survivor = StartWorker(setup, "survivor");
        var readers = StartAll(setup, "reader", 2, reader: true);
        await Task.WhenAll(new[] { victim, survivor }.Concat(readers).Select(p => p.ExpectAsync("ready")));
        // Slow fetches (below the 1 s visibility timeout): both workers hold several at once. The
        // victim's never end: what it holds when it is killed, it holds for good (had they ended,
        // it could finish them all between the check below and the kill).
        await db.StringSetAsync(DemoJobs.FetchDelayKey(setup.Prefix), 600);
        await db.StringSetAsync(DemoJobs.FetchDelayKey(setup.Prefix, victim.Id), (long)TimeSpan.FromHours(1).TotalMilliseconds);
        await WaitUntilAllStaleAsync(node, keys);

        await Task.WhenAll(readers.Select(r => r.SendAsync($"read {keys} 4 1")));
        await Task.WhenAll(readers.Select(r => r.ExpectAsync("done")));
        var holding = DemoJobs.HoldingKey(setup.Prefix, victim.Id);
        await WaitForAsync("the victim to hold refreshes", async () => await db.SetLengthAsync(holding) > 0);
        victim.Kill();
        var held = (await db.SetMembersAsync(holding)).Select(v => (string)v!).ToArray();

        await WaitForAsync(
            "every refresh to land and the queue to empty",
            async () => (await CountersAsync(setup, keys)).All(c => c >= 1) && await node.Queue.CountsAsync() == new RedisQueueCounts(0, 0, 0));

        Assert.NotEmpty(held);
        var counters = await CountersAsync(setup, keys);
        for (var i = 0; i < keys; i++)
        {
            Assert.True(counters[i] >= 1, $"user-{i}: no refresh landed");
            var value = await node.Jobs.Profiles.GetAsync($"user-{i}");
            Assert.NotEqual($"user-{i}#0", value);
        }

        foreach (var key in held)
            Assert.StartsWith($"{key}#", await node.Jobs.Profiles.GetAsync(key));
        Assert.Empty(await node.Queue.DeadLettersAsync());
        Assert.False(survivor.HasExited, survivor.Output);
    }

    [Fact]
    public async Task DeadCommands_ListRequeuePurge_PrintWhatTheyDidAndExit()
    {
        var setup = new Setup("dead", Lifetime: TimeSpan.FromSeconds(10), Visibility: TimeSpan.FromSeconds(10));
        using var queue = new RedisRefreshQueue(_connection, setup.Queue, new RedisQueueOptions { MaxAttempts = 1 });
        using var cancel = new CancellationTokenSource(Deadline);
        foreach (var key in new[] { "a", "b" })
        {
            await queue.EnqueueAsync(new RefreshRequest("profiles", key, null, [], TimeProvider.System.GetUtcNow(), 1));
            var taken = await queue.TakeAsync(cancel.Token) ?? throw new InvalidOperationException("The queue was disposed.");
            await queue.CompleteAsync(new RefreshOutcome(taken, RefreshResult.Failed, TimeSpan.Zero, new InvalidOperationException($"boom {key}")));
        }

        var list = RunDead(setup, "list");
        Assert.Equal("counts pending 0 inflight 0 dead 2", await list.ExpectAsync("counts"));
        Assert.EndsWith("attempts=1 profiles 'b': InvalidOperationException: boom b", await list.ExpectAsync(Assert.Single(await queue.DeadLettersAsync(1)).Id));
        Assert.Equal(0, await list.ExitCodeAsync());

        var requeue = RunDead(setup, "requeue", "1");
        Assert.Equal("requeued 1", await requeue.ExpectAsync("requeued"));
        Assert.Equal("counts pending 1 inflight 0 dead 1", await requeue.ExpectAsync("counts"));
        Assert.Equal(0, await requeue.ExitCodeAsync());
        var again = await queue.TakeAsync(cancel.Token);
        Assert.Equal(("a", 1), (again?.Key, again?.Attempt));

        var purge = RunDead(setup, "purge");
        Assert.Equal("purged 1", await purge.ExpectAsync("purged"));
        Assert.Equal(0, await purge.ExitCodeAsync());
    }

    [Theory]
    [InlineData]
    [InlineData("bogus")]
    [InlineData("list", "0")]
    [InlineData("requeue", "ten")]
    [InlineData("requeue-id")]
    [InlineData("purge", "all")]
    public async Task DeadLetterCommand_BadUsage_PrintsTheUsageAndReturns2(params string[] command)
    {
        using var queue = new RedisRefreshQueue(_connection, "dead-usage");
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, await DeadLetterCommand.RunAsync(queue, command, output, error));

        Assert.Equal(DeadLetterCommand.Usage, error.ToString().Trim());
        Assert.Empty(output.ToString());
    }

    /// <summary>A test's own key prefix and queue, and the policy every process uses.</summary>
    private sealed record Setup(string Name, TimeSpan Lifetime, TimeSpan Visibility)
    {
        public string Prefix => $"mp:{Name}:";

        public string Queue => $"mp-{Name}";

        public Policy Policy => Policy.Create(lifetime: Lifetime, refreshTimeout: TimeSpan.FromSeconds(60), cacheTtl: TimeSpan.FromHours(1));

        public IEnumerable<string> Arguments(string redis) =>
        [
            $"--Cacheback:Redis={redis}",
            $"--Worker:Prefix={Prefix}",
            $"--Worker:Queue={Queue}",
            $"--Worker:VisibilityTimeout={Visibility.ToString("c", CultureInfo.InvariantCulture)}",
            "--Worker:PollInterval=00:00:00.100",
            $"--Cacheback:Lifetime={Lifetime.ToString("c", CultureInfo.InvariantCulture)}",
            "--Cacheback:RefreshTimeout=00:01:00",
            "--Cacheback:CacheTtl=01:00:00",
            "--Logging:LogLevel:Default=Warning",
        ];
    }

    /// <summary>The test's own node (no worker): seeds <c>user-0</c>.. with <c>#0</c> values (no fetch counted) and reads back.</summary>
    private sealed class Node(CachebackRuntime runtime, RedisRefreshQueue queue, DemoJobs jobs) : IDisposable
    {
        public RedisRefreshQueue Queue => queue;

        public DemoJobs Jobs => jobs;

        public void Dispose()
        {
            jobs.Dispose();
            runtime.Dispose();
            queue.Dispose();
        }
    }

    private async Task<Node> SeedAsync(Setup setup, int keys)
    {
        var queue = new RedisRefreshQueue(_connection, setup.Queue, new RedisQueueOptions { VisibilityTimeout = setup.Visibility });
        var runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            Store = new RedisStore(_connection, setup.Prefix),
            Queue = queue,
            DefaultPolicy = setup.Policy,
            RunRefreshWorker = false,
        });
        var jobs = new DemoJobs(runtime, _connection, setup.Prefix);
        for (var i = 0; i < keys; i++)
            await jobs.Profiles.SetAsync($"user-{i}", $"user-{i}#0");
        return new Node(runtime, queue, jobs);
    }

    private ChildProcess StartWorker(Setup setup, string name)
    {
        var child = ChildProcess.Start(name, setup.Arguments(_server.ConnectionString));
        _children.Add(child);
        return child;
    }

    /// <summary>Starts <c>Cacheback.Worker.dll dead {command}</c> on the test's queue: it runs the command and exits.</summary>
    private ChildProcess RunDead(Setup setup, params string[] command)
    {
        var child = ChildProcess.Start($"dead {string.Join(' ', command)}", command.Prepend("dead").Concat(setup.Arguments(_server.ConnectionString)));
        _children.Add(child);
        return child;
    }

    private ChildProcess[] StartAll(Setup setup, string name, int count, bool reader) =>
        Enumerable.Range(1, count).Select(i =>
        {
            var child = ChildProcess.Start($"{name} {i}", reader ? setup.Arguments(_server.ConnectionString).Prepend("--reader") : setup.Arguments(_server.ConnectionString));
            _children.Add(child);
            return child;
        }).ToArray();

    private async Task<long[]> CountersAsync(Setup setup, int keys)
    {
        var values = await _connection.GetDatabase().StringGetAsync(
            Enumerable.Range(0, keys).Select(i => (RedisKey)DemoJobs.FetchCounterKey(setup.Prefix, $"user-{i}")).ToArray());
        return values.Select(v => v.HasValue ? (long)v : 0).ToArray();
    }

    /// <summary>Waits (by the stored envelopes' own freshness) until every key is stale.</summary>
    private static async Task WaitUntilAllStaleAsync(Node node, int keys)
    {
        var freshUntil = DateTimeOffset.MinValue;
        for (var i = 0; i < keys; i++)
        {
            var envelope = await node.Jobs.Profiles.RawGetAsync($"user-{i}") ?? throw new InvalidOperationException($"user-{i} is not stored");
            if (envelope.FreshUntil > freshUntil)
                freshUntil = envelope.FreshUntil;
        }

        // Every process judges on Redis's clock, which on this host is the wall clock (children cannot take a fake
        // one): a timer to the moment it passes.
        var wait = freshUntil.AddMilliseconds(20) - TimeProvider.System.GetUtcNow();
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, TimeProvider.System);
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> on other processes' state holds: checked now and again
    /// after every change to a key in Redis (keyspace notifications), failing after <see cref="Deadline"/>.
    /// </summary>
    private async Task WaitForAsync(string what, Func<Task<bool>> condition)
    {
        using var changed = new SemaphoreSlim(0, 1);
        var subscriber = _connection.GetSubscriber();
        var keyspace = RedisChannel.Pattern("__keyspace@0__:*");
        void OnChange(RedisChannel channel, RedisValue message)
        {
            lock (changed)
            {
                if (changed.CurrentCount == 0)
                    changed.Release();
            }
        }

        await subscriber.SubscribeAsync(keyspace, OnChange);
        try
        {
            using var deadline = new CancellationTokenSource(Deadline);
            while (!await condition())
            {
                try
                {
                    await changed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    if (await condition())
                        return;
                    throw new TimeoutException($"Gave up waiting {Deadline.TotalSeconds} s for {what}.");
                }
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(keyspace, OnChange);
        }
    }
}
