
namespace Cacheback.Tests.CSharp;

/// <summary>
/// django-cacheback's tests/test_base_job.py, test for test, on .NET: frozen time is a manual
/// TimeProvider, "rq_burst" is awaiting the in-process worker's outcome, and a queue that
/// captures requests stands for inspecting RQ's queue.
/// </summary>
public class BaseJobTests
{
    private static readonly DateTimeOffset At1400 = new(2016, 3, 20, 14, 0, 0, TimeSpan.Zero);

    public class DummyJob : Job<string, (string Text, DateTimeOffset At)>
    {
        protected override Task<(string Text, DateTimeOffset At)> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult(($"JOB-EXECUTED:{args}", Runtime.Options.TimeProvider.GetUtcNow()));
    }

    public sealed class CacheAliasDummyJob : DummyJob
    {
        public override string StoreName => "secondary";
    }

    public sealed class EmptyDummyJob : DummyJob
    {
        public override Policy Policy => Runtime.Options.DefaultPolicy.With(fetchOnMiss: false);
    }

    public sealed class StaleDummyJob : DummyJob
    {
        public override Policy Policy => Runtime.Options.DefaultPolicy.With(fetchOnStaleThreshold: TimeSpan.FromSeconds(900));
    }

    public sealed class FailJob : Job<string, string>
    {
        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromException<string>(new InvalidOperationException("JOB-FAILED"));
    }

    private sealed class JobHarness : IDisposable
    {
        public JobHarness(DateTimeOffset? start = null, bool runRefreshes = true, IRefreshQueue? queue = null)
        {
            Time = new FakeTimeProvider(start ?? At1400);
            Queue = new CountingQueue(queue ?? new InProcessQueue());
            Secondary = new MemoryStore(Time);
            Runtime = new CachebackRuntime(new CachebackRuntimeOptions
            {
                TimeProvider = Time,
                LoggerFactory = Logs,
                Queue = Queue,
                Stores = new Dictionary<string, ICacheStore> { ["secondary"] = Secondary },
                RunRefreshWorker = runRefreshes,
            });
        }

        public FakeTimeProvider Time { get; }
        public CountingQueue Queue { get; }
        public MemoryStore Secondary { get; }
        public ListLoggerFactory Logs { get; } = new();
        public CachebackRuntime Runtime { get; }

        public T Job<T>() where T : ICachebackJob, new()
        {
            var job = new T();
            job.AttachTo(Runtime);
            return job;
        }

        public void Dispose() => Runtime.Dispose();
    }

    private static Task<RefreshOutcome> NextOutcome(CachebackRuntime runtime) =>
        System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(runtime.Outcomes));

    [Fact]
    public void Init_UsesTheDefaultStoreAndQueue()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        Assert.Same(h.Runtime, job.Runtime);
        Assert.Equal("default", job.StoreName);
        Assert.Equal("default", job.QueueName);
    }

    [Fact]
    public async Task GetMissSync_FetchesNow()
    {
        using var h = new JobHarness();

        Assert.Equal("JOB-EXECUTED:foo", (await h.Job<DummyJob>().GetAsync("foo")).Text);
    }

    [Fact]
    public async Task Get_UsesTheStoreAlias()
    {
        using var h = new JobHarness();
        var job = h.Job<CacheAliasDummyJob>();

        Assert.Equal("JOB-EXECUTED:foo", (await job.GetAsync("foo")).Text);

        var spec = new PartitionSpec<(string, DateTimeOffset)>(job.Name, JsonPayloadSerializer<(string, DateTimeOffset)>.Default, (_, _, _) => { });
        Assert.NotNull(await h.Secondary.Partition(spec).ReadAsync("foo"));
        Assert.Null(await h.Runtime.Store.Partition(spec).ReadAsync("foo"));
    }

    [Fact]
    public async Task GetMissEmptyAsync_ReturnsEmptyThenTheRefreshedValue()
    {
        using var h = new JobHarness();
        var job = h.Job<EmptyDummyJob>();
        var refreshed = NextOutcome(h.Runtime);

        Assert.Null((await job.GetAsync("foo")).Text);
        await refreshed; // rq_burst()

        Assert.Equal("JOB-EXECUTED:foo", (await job.GetAsync("foo")).Text);
    }

    [Fact]
    public async Task GetStaleSync_PastTheThresholdFetchesAgain()
    {
        using var h = new JobHarness();
        var job = h.Job<StaleDummyJob>();
        var first = await job.GetAsync("foo");

        h.Time.Advance(TimeSpan.FromMinutes(16)); // 14:16
        var second = await job.GetAsync("foo");

        Assert.True(first.At < second.At);
    }

    [Fact]
    public async Task GetStaleAsync_ServesStaleThenTheRefreshedValue()
    {
        using var h = new JobHarness();
        var job = h.Job<StaleDummyJob>();
        var first = await job.GetAsync("foo");

        h.Time.Advance(TimeSpan.FromMinutes(14)); // 14:14: stale, under the threshold
        var refreshed = NextOutcome(h.Runtime);
        var second = await job.GetAsync("foo");
        Assert.Equal(first.At, second.At);
        await refreshed;

        h.Time.Advance(TimeSpan.FromMinutes(3)); // 14:17
        var third = await job.GetAsync("foo");
        Assert.True(second.At < third.At);
    }

    [Fact]
    public async Task GetHit_ReturnsTheCachedValueAndEnqueuesNothing()
    {
        using var h = new JobHarness();
        var job = h.Job<StaleDummyJob>();
        var first = await job.GetAsync("foo");

        h.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await job.GetAsync("foo");

        Assert.Equal(first.At, second.At);
        Assert.Equal(0, h.Queue.Count);
    }

    [Fact]
    public async Task InvalidateMiss_DoesNothing()
    {
        using var h = new JobHarness(runRefreshes: false);

        Assert.False(await h.Job<DummyJob>().InvalidateAsync("foo"));
        Assert.Equal(0, h.Queue.Count);
    }

    [Fact]
    public async Task InvalidateHit_EnqueuesOneRefresh()
    {
        using var h = new JobHarness(runRefreshes: false);
        var job = h.Job<DummyJob>();
        await job.RefreshAsync("foo");

        Assert.True(await job.InvalidateAsync("foo"));
        Assert.Equal(1, h.Queue.Count);
    }

    [Fact]
    public async Task DeleteMiss_LeavesNothing()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        Assert.False(await job.DeleteAsync("foo"));
        Assert.Null(await job.RawGetAsync("foo"));
    }

    [Fact]
    public async Task DeleteHit_RemovesTheItem()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();
        await job.RefreshAsync("foo");
        Assert.NotNull(await job.RawGetAsync("foo"));

        await job.DeleteAsync("foo");

        Assert.Null(await job.RawGetAsync("foo"));
    }

    [Fact]
    public async Task Store_KeepsTheItem()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        await job.SetAsync("foo", ("stored", At1400));

        Assert.NotNull(await job.RawGetAsync("foo"));
    }

    // test_store_verify_fail / test_store_no_verify_fail check memcached writes that fail silently.
    // Here a store reports a failed write by throwing: an explicit Set surfaces it, while a read
    // never fails because of the store (see FaultTests).
    [Fact]
    public async Task Store_AFailedWrite_IsReportedToTheCaller()
    {
        var h = new Harness(store: new ThrowingWrites());
        using var _ = h;
        var job = new DummyJob();
        job.AttachTo(h.Runtime);

        await Assert.ThrowsAsync<IOException>(() => job.SetAsync("foo", ("x", At1400)));
        Assert.Equal("JOB-EXECUTED:foo", (await job.GetAsync("foo")).Text);
    }

    [Fact]
    public async Task Refresh_FetchesAndStores()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        var result = await job.RefreshAsync("foo");

        Assert.Equal("JOB-EXECUTED:foo", result.Text);
        Assert.NotNull(await job.RawGetAsync("foo"));
    }

    [Fact]
    public async Task AsyncRefresh_EnqueuesWithoutStoring()
    {
        using var h = new JobHarness(runRefreshes: false);
        var job = h.Job<DummyJob>();

        await job.EnqueueRefreshAsync("foo");

        Assert.Null(await job.RawGetAsync("foo"));
        Assert.Equal(1, h.Queue.Count);
    }

    [Fact]
    public async Task AsyncRefresh_QueueFails_RefreshesSynchronously()
    {
        using var h = new JobHarness(queue: new RefusingQueue());
        var job = h.Job<DummyJob>();

        await job.EnqueueRefreshAsync("foo");

        Assert.NotNull(await job.RawGetAsync("foo"));
        Assert.Equal("JOB-EXECUTED:foo", (await job.GetAsync("foo")).Text);
    }

    [Fact]
    public async Task AsyncRefresh_QueueAndFetchFail_NothingStoredNothingThrown()
    {
        using var h = new JobHarness(queue: new RefusingQueue());
        var job = h.Job<FailJob>();

        await job.EnqueueRefreshAsync("foo");

        Assert.Null(await job.RawGetAsync("foo"));
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("fallback refresh failed too"));
    }

    [Fact]
    public void Expiry_IsNowPlusTheLifetime()
    {
        var now = new DateTimeOffset(2016, 3, 20, 14, 5, 0, TimeSpan.Zero);

        Assert.Equal(1458483300, new DummyJob().Expiry("foo", now).ToUnixTimeSeconds());
    }

    [Fact]
    public void Timeout_IsNowPlusTheRefreshTimeout()
    {
        var now = new DateTimeOffset(2016, 3, 20, 14, 5, 0, TimeSpan.Zero);

        Assert.Equal(1458482760, new DummyJob().Timeout("foo", now).ToUnixTimeSeconds());
    }

    [Fact]
    public void ShouldStaleItemBeFetchedSynchronously_NoThreshold_IsFalse() =>
        Assert.False(new DummyJob().ShouldStaleItemBeFetchedSynchronously(TimeSpan.Zero, "foo"));

    [Fact]
    public void ShouldStaleItemBeFetchedSynchronously_ThresholdReached_IsTrue() =>
        Assert.True(new StaleDummyJob().ShouldStaleItemBeFetchedSynchronously(TimeSpan.FromSeconds(301), "foo"));

    [Fact]
    public void ShouldStaleItemBeFetchedSynchronously_ThresholdNotReached_IsFalse() =>
        Assert.False(new StaleDummyJob().ShouldStaleItemBeFetchedSynchronously(TimeSpan.FromSeconds(300), "foo"));

    // test_key_*: django-cacheback keys are the class path plus md5 of the arguments' str(). Ours
    // are the job name (the store partition) plus a key of the arguments: a string is itself,
    // anything else the SHA-256 of its canonical JSON, the same in every process.
    [Fact]
    public void Key_StringArguments_AreTheirOwnKey() => Assert.Equal("foo", new DummyJob().Key("foo"));

    [Fact]
    public void Key_PositionalArguments_HashTheirCanonicalJson()
    {
        var job = new TupleJob();

        // Pinned: sha256('{"Item1":1,"Item2":2,"Item3":3}'), computed outside .NET.
        Assert.Equal("75e354b8b737021fd81b44b2020ad8e06f054afb1b4e225d60bde6b6b7649274", job.Key((1, 2, 3)));
        Assert.NotEqual(job.Key((1, 2, 3)), job.Key((3, 2, 1)));
    }

    [Fact]
    public void Key_NamedArguments_AreARecordsCanonicalJson()
    {
        var job = new RecordJob();

        Assert.Equal(job.Key(new Named("bar", "baz")), job.Key(new Named("bar", "baz")));
        Assert.NotEqual(job.Key(new Named("bar", "baz")), job.Key(new Named("baz", "bar")));
    }

    // test_key_no_args_no_kwargs: a job of no arguments takes the empty tuple, whose key is fixed.
    [Fact]
    public void Key_NoArguments_IsOneFixedKey() =>
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", new NoArgsJob().Key(default));

    // test_key_django_model: a model instance keys by class and primary key; a record keys by its values.
    [Fact]
    public void Key_EntityArguments_DifferPerEntity()
    {
        var job = new RecordJob();

        Assert.NotEqual(job.Key(new Named("Alan", "1")), job.Key(new Named("John", "2")));
    }

    [Fact]
    public async Task RawGet_ReturnsTheExpiryAndValue()
    {
        using var h = new JobHarness(start: new DateTimeOffset(2016, 3, 20, 14, 5, 0, TimeSpan.Zero));
        var job = h.Job<DummyJob>();
        await job.SetAsync("foo", ("MANUALLY_SET", At1400));

        var raw = await job.RawGetAsync("foo") ?? throw new InvalidOperationException("absent");

        Assert.Equal(1458483300, raw.FreshUntil.ToUnixTimeSeconds());
        Assert.Equal("MANUALLY_SET", ((string Text, DateTimeOffset))raw.Value is var (text, _) ? text : null);
    }

    [Fact]
    public async Task RawGet_Empty_IsNull()
    {
        using var h = new JobHarness();

        Assert.Null(await h.Job<DummyJob>().RawGetAsync("foo"));
    }

    [Fact]
    public async Task Set_ThenGet_ReturnsTheSetValue()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        await job.SetAsync("foo", ("MANUALLY_SET", At1400));

        Assert.Equal("MANUALLY_SET", (await job.GetAsync("foo")).Text);
    }

    [Fact]
    public async Task Set_OverACachedValue_Replaces()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();
        Assert.Equal("JOB-EXECUTED:foo", (await job.GetAsync("foo")).Text);

        await job.SetAsync("foo", ("MANUALLY_SET", At1400));

        Assert.Equal("MANUALLY_SET", (await job.GetAsync("foo")).Text);
    }

    // test_set_default_kw_arg / test_set_default_custom_kw_arg: the value is the last argument, or
    // named; C#'s named arguments do what set_data_kwarg does.
    [Fact]
    public async Task Set_WithANamedValue()
    {
        using var h = new JobHarness();
        var job = h.Job<DummyJob>();

        await job.SetAsync("foo", value: ("MANUALLY_SET_WITH_KW_ARG", At1400));

        Assert.Equal("MANUALLY_SET_WITH_KW_ARG", (await job.GetAsync("foo")).Text);
    }

    [Fact]
    public async Task RefreshByName_UnknownJob_IsLoggedAndDropped()
    {
        using var h = new JobHarness();

        var result = await h.Runtime.Registry.DispatchAsync(new RefreshRequest("foomodule.BarJob", "k", null, [], At1400), default);

        Assert.Equal(RefreshResult.UnknownJob, result);
        Assert.Contains(h.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("foomodule.BarJob"));
    }

    [Fact]
    public async Task RefreshByName_FailingJob_IsAFailedOutcomeAndLogged()
    {
        using var h = new JobHarness();
        var job = h.Job<FailJob>();
        job.Register();
        var outcome = NextOutcome(h.Runtime);

        await h.Runtime.Queue.EnqueueAsync(new RefreshRequest(job.Name, "k", null, "\"k\""u8.ToArray(), At1400));

        var failed = await outcome;
        Assert.Equal(RefreshResult.Failed, failed.Result);
        Assert.Equal("JOB-FAILED", failed.Error?.Message);
        Assert.Contains(h.Logs.Entries, e => e.Exception?.Message == "JOB-FAILED");
    }

    [Fact]
    public async Task RefreshByName_RunsTheRegisteredJob()
    {
        using var h = new JobHarness();
        var job = h.Job<EmptyDummyJob>();
        job.Register();

        var result = await h.Runtime.Registry.DispatchAsync(new RefreshRequest(job.Name, "foo", null, "\"foo\""u8.ToArray(), At1400), default);

        Assert.Equal(RefreshResult.Succeeded, result);
        // As in Python, a new instance of the job reads what the refresh stored.
        Assert.NotNull((await h.Job<EmptyDummyJob>().GetAsync("foo")).Text);
    }

    public sealed class NoArgsJob : Job<ValueTuple, int>
    {
        protected override Task<int> Fetch(ValueTuple args, CancellationToken cancellationToken) => Task.FromResult(1);
    }

    public sealed class TupleJob : Job<(int, int, int), int>
    {
        protected override Task<int> Fetch((int, int, int) args, CancellationToken cancellationToken) => Task.FromResult(args.Item1);
    }

    public sealed record Named(string Foo, string Bar);

    public sealed class RecordJob : Job<Named, string>
    {
        protected override Task<string> Fetch(Named args, CancellationToken cancellationToken) => Task.FromResult(args.Foo);
    }

    private sealed class RefusingQueue : IRefreshQueue
    {
        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default) =>
            throw new RefreshQueueUnavailableException("connection refused");

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    private sealed class ThrowingWrites : ICacheStore
    {
        private readonly MemoryStore _inner = new();

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Writes<T>(_inner.Partition(spec));

        private sealed class Writes<T>(IEnvelopeStore<T> inner) : IEnvelopeStore<T>
        {
            public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);

            public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                ValueTask.FromException<bool>(new IOException("write lost"));

            public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
                ValueTask.FromException(new IOException("write lost"));

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
        }
    }
}
