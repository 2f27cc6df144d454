namespace Cacheback.Tests.CSharp;

/// <summary>A job instance is a handle: new instances share the cache, and the job's own settings time its refreshes and its staleness.</summary>
public class JobInstanceTests
{
    public sealed class CountingJob : Job<string, string>
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"{args} #{Interlocked.Increment(ref _calls)}");
    }

    [Fact]
    public async Task NewInstanceForEachCall_SharesTheJobsCache()
    {
        using var h = new Harness();
        var first = new CountingJob();
        first.AttachTo(h.Runtime);
        var value = await first.GetAsync("a");

        var second = new CountingJob();
        second.AttachTo(h.Runtime);

        Assert.Equal(value, await second.GetAsync("a"));
    }

    public sealed class SlowRefreshJob : Job<string, string>
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(refreshTimeout: TimeSpan.FromMinutes(10));

        protected override async Task<string> Fetch(string args, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            return args;
        }
    }

    [Fact]
    public async Task BackgroundRefresh_IsTimedByTheJobsRefreshTimeout_NotTheRuntimesDefault()
    {
        using var h = new Harness(refresh: new RefreshPipelineOptions { Timeout = TimeSpan.FromSeconds(1) });
        var job = new SlowRefreshJob();
        job.AttachTo(h.Runtime);
        var outcome = h.NextOutcome();
        await job.EnqueueRefreshAsync("a");
        await job.Started.Task;

        h.Time.Advance(TimeSpan.FromMinutes(1)); // past the runtime's 1 s, inside the job's 10 min
        Assert.False(outcome.IsCompleted);
        job.Gate.SetResult();

        Assert.Equal(RefreshResult.Succeeded, (await outcome).Result);
    }

    public sealed class ThresholdJob : Job<string, string>
    {
        private int _calls;

        public int Calls => _calls;

        public override Policy Policy => Runtime.Options.DefaultPolicy.With(fetchOnStaleThreshold: TimeSpan.FromSeconds(900));

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"v{Interlocked.Increment(ref _calls)}");
    }

    [Fact]
    public async Task Invalidate_DoesNotMakeDataTooStale_TheDataAgeDoes()
    {
        using var h = new Harness(runRefreshes: false);
        var job = new ThresholdJob();
        job.AttachTo(h.Runtime);
        Assert.Equal("v1", await job.GetAsync("k"));
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await job.InvalidateAsync("k");

        h.Time.Advance(TimeSpan.FromMinutes(6)); // 6.5 min old: stale, but under the 15 min threshold

        Assert.Equal("v1", await job.GetAsync("k"));
        Assert.Equal(1, job.Calls);
    }

    public sealed class GenericJob<T> : Job<string, T>
    {
        protected override Task<T> Fetch(string args, CancellationToken cancellationToken) => Task.FromResult(default(T)!);
    }

    [Fact]
    public void DefaultName_OfAGenericJob_CarriesNoAssemblyVersion() =>
        Assert.Equal("Cacheback.Tests.CSharp.JobInstanceTests.GenericJob<System.Int32>", new GenericJob<int>().Name);
}
