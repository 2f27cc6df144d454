namespace Cacheback.Tests.CSharp;

/// <summary>
/// django-cacheback's tests/test_jobs.py and test_decorators.py: the decorator is
/// <c>fetch.Cached(...)</c> over <c>Cache.Wrap</c>, and the job behind it is the
/// <see cref="CachedFetch{TArgs, TResult}"/> it returns.
/// </summary>
public class FunctionJobTests
{
    private static Task<string> DummyFunction(string param) => Task.FromResult($"JOB-EXECUTED:{param}");

    private static Harness NewHarness(bool secondary = true) => new(stores: secondary ? new Dictionary<string, ICacheStore> { ["secondary"] = new MemoryStore() } : null);

    [Fact]
    public void Init_Defaults()
    {
        using var h = NewHarness();
        var job = ((Func<string, Task<string>>)DummyFunction).Cached(runtime: h.Runtime);

        Assert.Equal(TimeSpan.FromSeconds(600), job.Policy.Lifetime);
        Assert.True(job.Policy.FetchOnMiss);
        Assert.Equal("default", job.StoreName);
        Assert.Equal("default", job.QueueName);
    }

    [Fact]
    public void Init_WithSettings()
    {
        using var h = new Harness(
            stores: new Dictionary<string, ICacheStore> { ["secondary"] = new MemoryStore() },
            queues: new Dictionary<string, IRefreshQueue> { ["foo"] = new InProcessQueue() });
        var job = Cache.Wrap(
            new JobDefinition<string, string>(DummyFunction) { Policy = Policy.Create(lifetime: TimeSpan.FromSeconds(30), fetchOnMiss: false), StoreName = "secondary", QueueName = "foo" },
            h.Runtime);

        Assert.Equal(TimeSpan.FromSeconds(30), job.Policy.Lifetime);
        Assert.False(job.Policy.FetchOnMiss);
        Assert.Equal("secondary", job.StoreName);
        Assert.Equal("foo", job.QueueName);
    }

    // test_prepare_args: django-cacheback turns the function into "module:name" to re-import it
    // in the worker. Here the function is registered under a name, by default its declaring type
    // and method, and a worker finds it by that name.
    [Fact]
    public void Name_DefaultsToTheFunctionsDeclaringTypeAndMethod()
    {
        using var h = NewHarness();
        var job = ((Func<string, Task<string>>)DummyFunction).Cached(runtime: h.Runtime);

        Assert.Equal($"{typeof(FunctionJobTests).FullName}.{nameof(DummyFunction)}", job.Name);
        Assert.True(h.Runtime.Registry.Contains(job.Name));
    }

    // test_fetch / test_fetch_decorated: a worker runs the function from a request naming it.
    [Fact]
    public async Task Fetch_ByRegisteredName_RunsTheFunction()
    {
        using var h = NewHarness();
        var job = ((Func<string, Task<string>>)DummyFunction).Cached(runtime: h.Runtime);

        var result = await h.Runtime.Registry.DispatchAsync(new RefreshRequest(job.Name, "foo", null, "\"foo\""u8.ToArray(), DateTimeOffset.UnixEpoch), default);

        Assert.Equal(RefreshResult.Succeeded, result);
        Assert.Equal("JOB-EXECUTED:foo", await job.GetAsync("foo"));
    }

    // test_init_kwargs: django-cacheback rebuilds the job from constructor kwargs carried in the
    // task. A refresh request here carries only the job's name, the key and the arguments.
    [Fact]
    public async Task RefreshRequest_CarriesNameKeyAndArgumentsOnly()
    {
        using var h = new Harness(runRefreshes: false);
        var job = Cache.Wrap(new JobDefinition<string, string>(DummyFunction) { Policy = Policy.Create(fetchOnMiss: false), Name = "tweets" }, h.Runtime);

        await job.EnqueueRefreshAsync("foo");

        var request = Assert.Single(h.Queue.Received);
        Assert.Equal("tweets", request.Job);
        Assert.Equal("foo", request.Key);
        Assert.Equal("\"foo\""u8.ToArray(), request.Arguments);
        Assert.Equal(0, request.ExpectedVersion); // lands only if nothing was stored meanwhile
    }

    // QuerySetJob (test_jobs.TestQuerySetJob, TestQuerySetGetJob, TestQuerySetFilterJob) wraps
    // Django's ORM. The .NET counterpart is a job over a repository: thresholds as properties,
    // the key prefixed with the entity's name, a get and a filter fetch.
    [Fact]
    public void RepositoryJob_Defaults()
    {
        var job = new RepositoryJob();

        Assert.Equal(TimeSpan.FromSeconds(600), job.Policy.Lifetime);
        Assert.True(job.Policy.FetchOnMiss);
        Assert.Equal("default", job.StoreName);
        Assert.Equal("default", job.QueueName);
    }

    [Fact]
    public void RepositoryJob_Settings()
    {
        var job = new ConfiguredRepositoryJob();

        Assert.Equal(TimeSpan.FromSeconds(30), job.Policy.Lifetime);
        Assert.False(job.Policy.FetchOnMiss);
        Assert.Equal("secondary", job.StoreName);
        Assert.Equal("foo", job.QueueName);
    }

    [Fact]
    public void RepositoryJob_KeyIsPrefixedWithTheEntityName()
    {
        Assert.Equal("DummyModel-foo", new RepositoryJob().Key("foo"));
    }

    [Fact]
    public async Task RepositoryJob_GetAndFilterFetches()
    {
        using var h = NewHarness();
        var get = new RepositoryJob();
        get.AttachTo(h.Runtime);
        var filter = new FilterJob();
        filter.AttachTo(h.Runtime);

        Assert.Equal("Foo", await get.GetAsync("Foo"));
        Assert.Equal(["Foo", "Foobar"], await filter.GetAsync("Foo"));
    }

    [Fact]
    public async Task Decorator_MissNoFetch_ReturnsEmptyAndEnqueuesOne()
    {
        using var h = new Harness(runRefreshes: false);
        var cached = Cache.Wrap(
            new JobDefinition<string, string?>(p => Task.FromResult<string?>($"JOB-EXECUTED:{p}")) { Policy = Policy.Create(fetchOnMiss: false), Name = "no-fetch-miss" },
            h.Runtime);
        var enqueued = h.NextEnqueue();

        Assert.Null(await cached.GetAsync("foo"));
        await enqueued;
        Assert.Equal(1, h.Enqueued);
    }

    [Fact]
    public async Task Decorator_MissFetch_FetchesNow()
    {
        using var h = NewHarness();
        var cached = ((Func<string, Task<string>>)DummyFunction).Cached(Policy.Create(lifetime: TimeSpan.FromSeconds(30)), runtime: h.Runtime);

        Assert.Equal("JOB-EXECUTED:foo", await cached.GetAsync("foo"));
    }

    [Fact]
    public async Task Decorator_CacheAlias_StoresInThatStore()
    {
        var secondary = new MemoryStore();
        using var h = new Harness(stores: new Dictionary<string, ICacheStore> { ["secondary"] = secondary });
        var cached = Cache.Wrap(new JobDefinition<string, string>(DummyFunction) { StoreName = "secondary", Name = "alias" }, h.Runtime);

        Assert.Equal("JOB-EXECUTED:foo", await cached.GetAsync("foo"));
        var spec = new PartitionSpec<string>("alias", JsonPayloadSerializer<string>.Default, (_, _, _) => { });
        Assert.NotNull(await secondary.Partition(spec).ReadAsync("foo"));
    }

    [Fact]
    public async Task Decorator_Set_ThenGetReturnsIt()
    {
        using var h = NewHarness();
        var cached = ((Func<string, Task<string>>)DummyFunction).Cached(Policy.Create(fetchOnMiss: false), runtime: h.Runtime);

        await cached.SetAsync("foo", "MANUALLY_SET");

        Assert.Equal("MANUALLY_SET", await cached.GetAsync("foo"));
    }

    [Fact]
    public async Task Decorator_SetWithANamedValue()
    {
        using var h = NewHarness();
        var cached = ((Func<string, Task<string>>)DummyFunction).Cached(runtime: h.Runtime);

        await cached.SetAsync("foo", value: "MANUALLY_SET_WITH_KWARG");

        Assert.Equal("MANUALLY_SET_WITH_KWARG", await cached.GetAsync("foo"));
    }

    [Fact]
    public async Task Decorator_Hit_AfterTheBackgroundFill()
    {
        using var h = NewHarness();
        var cached = Cache.Wrap(
            new JobDefinition<string, string?>(p => Task.FromResult<string?>($"JOB-EXECUTED:{p}")) { Policy = Policy.Create(fetchOnMiss: false), Name = "hit" },
            h.Runtime);
        var filled = h.NextOutcome();

        Assert.Null(await cached.GetAsync("foo"));
        await filled; // rq_burst()

        Assert.Equal("JOB-EXECUTED:foo", await cached.GetAsync("foo"));
    }

    private static readonly string[] DummyModels = ["Foo", "Bar", "Foobar"];

    public class RepositoryJob : Job<string, string>
    {
        public override string Key(string args) => $"DummyModel-{base.Key(args)}";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(DummyModels.Single(m => m == args));
    }

    public sealed class ConfiguredRepositoryJob : RepositoryJob
    {
        public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: TimeSpan.FromSeconds(30), fetchOnMiss: false);

        public override string StoreName => "secondary";

        public override string QueueName => "foo";
    }

    public sealed class FilterJob : Job<string, string[]>
    {
        protected override Task<string[]> Fetch(string prefix, CancellationToken cancellationToken) =>
            Task.FromResult(DummyModels.Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).ToArray());
    }
}
