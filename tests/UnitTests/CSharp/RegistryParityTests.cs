namespace Cacheback.Tests.CSharp;

/// <summary>
/// django-cacheback's tests/test_utils.py. get_job_class imports a class from the path a task
/// message names; we never load a type from a message: jobs are found by registered name, and a
/// name not registered is logged and dropped. enqueue_task picks Celery or RQ by setting; here a
/// job picks a queue by name, and a name no queue has is an error when the job is registered.
/// </summary>
public class RegistryParityTests
{
    private static RefreshRequest Request(string job) => new(job, "k", null, "\"k\""u8.ToArray(), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task InvalidModule_IsLoggedAndDropped()
    {
        using var h = new Harness();

        Assert.Equal(RefreshResult.UnknownJob, await h.Runtime.Registry.DispatchAsync(Request("tests.foo.DummyClass"), default));
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains("unknown job tests.foo.DummyClass"));
    }

    [Fact]
    public async Task ARealTypeName_IsStillOnlyAName()
    {
        using var h = new Harness();
        var typeName = typeof(BaseJobTests.DummyJob).AssemblyQualifiedName!;

        // The type exists and is a job, but nothing registered it under that name: nothing is loaded.
        Assert.Equal(RefreshResult.UnknownJob, await h.Runtime.Registry.DispatchAsync(Request(typeName), default));
    }

    [Fact]
    public async Task RegisteredName_FindsTheJob()
    {
        using var h = new Harness();
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: h.Runtime, name: "tests.test_utils.DummyClass");

        Assert.Equal(RefreshResult.Succeeded, await h.Runtime.Registry.DispatchAsync(Request(cached.Name), default));
    }

    [Fact]
    public async Task QueueName_RoutesRefreshesToThatQueue()
    {
        var rq = new CountingQueue(new InProcessQueue());
        using var h = new Harness(queues: new Dictionary<string, IRefreshQueue> { ["rq"] = rq }, runRefreshes: false);
        var cached = Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: h.Runtime, name: "routed", queueName: "rq");

        await cached.EnqueueRefreshAsync("k");

        Assert.Equal(1, rq.Count);
        Assert.Equal(0, h.Enqueued);
    }

    [Fact]
    public void UnknownQueue_IsAClearErrorWhenTheJobIsRegistered()
    {
        using var h = new Harness();

        var e = Assert.Throws<ArgumentException>(() =>
            Cache.Wrap<string, string>((k, _) => Task.FromResult(k), runtime: h.Runtime, name: "lost", queueName: "unknown"));
        Assert.Contains("No queue named 'unknown' is configured; there are: default", e.Message);
    }

    [Fact]
    public void ArgumentsThatCannotTravel_AreRefusedWhenTheJobIsRegistered()
    {
        using var h = new Harness();

        var e = Assert.Throws<ArgumentException>(() =>
            Cache.Wrap<GetOnly, string>((a, _) => Task.FromResult(a.Id), key: a => a.Id, runtime: h.Runtime, name: "get-only"));
        Assert.Contains("member 'Id' is written but cannot be read back", e.Message);
    }

    public sealed class GetOnly
    {
        public string Id { get; } = "x";
    }
}
