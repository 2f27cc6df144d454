using System.Globalization;
using Cacheback.Tests.Redis;
using Cacheback.Worker;
using StackExchange.Redis;

namespace Cacheback.Tests.MultiProcess;

/// <summary>
/// Cacheback across OS processes: reader processes (web nodes that never refresh) and worker
/// processes (Cacheback.Worker) share one redis-server. Refreshes are counted by the
/// <c>profiles</c> job itself (an INCR per fetch in Redis), so the counts cover every process.
/// Phases are handshakes: stdin/stdout lines with the children, and waits on Redis state that wake on
/// every change to a key (keyspace notifications), each bounded by a deadline. No phase waits for
/// time to pass: the children judge freshness on Redis's real clock, which no test can fake, so the
/// test makes entries stale itself (<see cref="AgeAllAsync"/>) and a worker that must die holding
/// refreshes is told to hang its fetches (<see cref="DemoJobs.HoldKey"/>).
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
        var setup = new Setup("episodes", Visibility: TimeSpan.FromSeconds(10));
        using var node = await SeedAsync(setup, keys);
        var workers = StartAll(setup, "worker", 2, reader: false);
        var readers = StartAll(setup, "reader", 4, reader: true);
        await Task.WhenAll(workers.Concat(readers).Select(p => p.ExpectAsync("ready")));

        for (var episode = 1; episode <= episodes; episode++)
        {
            await AgeAllAsync(setup, node, keys);

            // 4 processes x 8 tasks read every key: 1,280 reads of 40 stale keys.
            await Task.WhenAll(readers.Select(r => r.SendAsync($"read {keys} 8 1")));
            await Task.WhenAll(readers.Select(r => r.ExpectAsync("done")));

            var expected = episode;
            await WaitForAsync(
                $"every key refreshed {expected} time(s) and the queue empty",
                async () => (await CountersAsync(setup, keys)).All(c => c >= expected) && await node.Queue.CountsAsync() == new RedisQueueCounts(0, 0, 0));
            var counters = await CountersAsync(setup, keys);
            Assert.All(Enumerable.Range(0, keys), i => Assert.True(counters[i] == expected, $"user-{i} was refreshed {counters[i]} times after {expected} stale episode(s)"));
            // RawGetAsync, not GetAsync: it reads what is stored and triggers nothing.
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
        var setup = new Setup("kill", Visibility: TimeSpan.FromSeconds(1));
        using var node = await SeedAsync(setup, keys);
        var db = _connection.GetDatabase();
        var victim = StartWorker(setup, "victim");
        var readers = StartAll(setup, "reader", 2, reader: true);
        await Task.WhenAll(new[] { victim }.Concat(readers).Select(p => p.ExpectAsync("ready")));
        // The victim's fetches hang: whatever it takes it holds until it is killed, however slow the machine.
        await db.StringSetAsync(DemoJobs.HoldKey(setup.Prefix, victim.Id), 1);
        await AgeAllAsync(setup, node, keys);

        await Task.WhenAll(readers.Select(r => r.SendAsync($"read {keys} 4 1")));
        await Task.WhenAll(readers.Select(r => r.ExpectAsync("done")));
        // The only worker so far: it takes the requests, and holds every one it starts.
        var holding = DemoJobs.HoldingKey(setup.Prefix, victim.Id);
        await WaitForAsync("the victim to hold refreshes", async () => await db.SetLengthAsync(holding) > 0);
        victim.Kill();
        var held = (await db.SetMembersAsync(holding)).Select(v => (string)v!).ToArray();
        await db.KeyDeleteAsync(DemoJobs.HoldKey(setup.Prefix, victim.Id)); // in case a new process gets its id
        var survivor = StartWorker(setup, "survivor");
        await survivor.ExpectAsync("ready");

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
        var setup = new Setup("dead", Visibility: TimeSpan.FromSeconds(10));
        using var queue = new RedisRefreshQueue(_connection, setup.Queue, new RedisQueueOptions { MaxAttempts = 1 });
        using var cancel = new CancellationTokenSource(Deadline);
        foreach (var key in new[] { "a", "b" })
        {
            await queue.EnqueueAsync(new RefreshRequest("profiles", key, null, [], new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 1));
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
    private sealed record Setup(string Name, TimeSpan Visibility)
    {
        /// <summary>Longer than any test: nothing goes stale by itself; <see cref="AgeAllAsync"/> makes entries stale.</summary>
        public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

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
    private sealed class Node(RedisStore store, CachebackRuntime runtime, RedisRefreshQueue queue, DemoJobs jobs) : IDisposable
    {
        public RedisStore Store => store;

        public RedisRefreshQueue Queue => queue;

        public DemoJobs Jobs => jobs;

        public void Dispose()
        {
            jobs.Dispose();
            runtime.Dispose();
            queue.Dispose();
            store.Dispose();
        }
    }

    private async Task<Node> SeedAsync(Setup setup, int keys)
    {
        var queue = new RedisRefreshQueue(_connection, setup.Queue, new RedisQueueOptions { VisibilityTimeout = setup.Visibility });
        var store = new RedisStore(_connection, setup.Prefix);
        var runtime = new CachebackRuntime(new CachebackRuntimeOptions
        {
            Store = store,
            Queue = queue,
            DefaultPolicy = setup.Policy,
            RunRefreshWorker = false,
        });
        var jobs = new DemoJobs(runtime, _connection, setup.Prefix);
        for (var i = 0; i < keys; i++)
            await jobs.Profiles.SetAsync($"user-{i}", $"user-{i}#0");
        return new Node(store, runtime, queue, jobs);
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

    /// <summary>
    /// Makes <c>user-0</c>.. stale now, as their lifetime passing would: each stored envelope is
    /// written again (compare-and-set on its version) with its value and its times moved back, so
    /// that it went stale a minute ago on Redis's clock, the one every process judges freshness on
    /// (a minute: far beyond any process's error in measuring that clock). The children run on the
    /// real clock, which the test cannot move; it moves the entries instead.
    /// </summary>
    private static async Task AgeAllAsync(Setup setup, Node node, int keys)
    {
        var envelopes = node.Store.Partition(new PartitionSpec<string>(
            DemoJobs.ProfilesJob,
            MessagePackPayloadSerializer<string>.Default, // the serializer Wrap gives the job
            (key, error, detail) => throw new InvalidOperationException($"{key} is unreadable ({error}): {detail}")));
        var staleSince = await node.Store.GetTimeAsync() - TimeSpan.FromMinutes(1);
        for (var i = 0; i < keys; i++)
        {
            var key = node.Jobs.Profiles.KeyOf($"user-{i}");
            var stored = await envelopes.ReadAsync(key) ?? throw new InvalidOperationException($"{key} is not stored");
            var value = stored.HasValue ? stored.Value! : throw new InvalidOperationException($"{key} holds a placeholder, not a value");
            var back = stored.FreshUntil - staleSince;
            var aged = Envelope.Fresh(Envelope.NewVersion(), value, stored.FetchedAt - back, staleSince);
            if (!await envelopes.CompareAndSetAsync(key, stored.Version, aged, setup.Policy.CacheTtl))
                throw new InvalidOperationException($"{key} was written by another process while the test aged it.");
        }
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
