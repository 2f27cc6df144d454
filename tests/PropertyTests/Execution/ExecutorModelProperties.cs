using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cacheback.Tests.Properties;

/// <summary>
/// Random sequences of reads, writes, time and refresh deliveries against the real executor,
/// checked against the invariants: one refresh per key per lease window, and a refresh never
/// overwrites a newer write.
/// </summary>
public class ExecutorModelProperties
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    public enum Op { Read, Advance, Deliver, Set, Delete, Invalidate }

    private static Gen<(Op Op, int Arg)> Commands =>
        Gen.Zip(
            Gen.Frequency((6, Gen.Constant(Op.Read)), (4, Gen.Constant(Op.Advance)), (3, Gen.Constant(Op.Deliver)),
                (1, Gen.Constant(Op.Set)), (1, Gen.Constant(Op.Delete)), (1, Gen.Constant(Op.Invalidate))),
            Gen.Choose(1, 20_000));

    /// <summary>Histories of sixty commands; registered by the property below.</summary>
    public static Arbitrary<List<(Op Op, int Arg)>> Histories => Gen.ListOf(Commands, 60).ToArbitrary();

    [Property(Arbitrary = new[] { typeof(ExecutorModelProperties) }, MaxTest = 1000)]
    public Task<bool> Executor_RandomHistories_KeepTheInvariants(List<(Op Op, int Arg)> commands) => Run(commands);

    /// <summary>
    /// Every command runs on the test thread alone (<see cref="TestThread"/>): what a read leaves
    /// behind it (the claim's enqueue) has run when the command returns, and nothing waits on a
    /// thread or on real time. Refreshes run when the history delivers them, as the worker (off here)
    /// would hand them over.
    /// </summary>
    private static async Task<bool> Run(List<(Op Op, int Arg)> commands)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var queue = new CapturingQueue();
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Queue = queue, RunRefreshWorker = false });
        var fetches = 0;
        var cached = Cache.Wrap<string, string>((_, _) => Task.FromResult($"fetched-{++fetches}"), Policy, runtime: runtime, name: "model");
        var lastReadEnqueue = (DateTimeOffset?)null;
        var lastWriteAt = DateTimeOffset.MinValue; // a set, delete, invalidate or landed refresh: a new episode
        var sets = 0;

        foreach (var (op, arg) in commands)
        {
            var now = time.GetUtcNow();
            switch (op)
            {
                case Op.Read:
                    var before = await Lease(cached);
                    var arrivals = queue.Arrivals;
                    await TestThread.Settle(() => cached.GetAsync("k").AsTask(), $"A read at {now:O}");
                    var after = await Lease(cached);
                    if (after.Version != before.Version && after.LeaseUntil is not null)
                    {
                        // This read won a claim: its refresh is enqueued behind the reader, and has been by now.
                        if (queue.Arrivals == arrivals)
                            throw new InvalidOperationException($"A read at {now:O} claimed a refresh that was never enqueued.");
                        // A read-triggered refresh: never twice inside one lease window of one episode.
                        if (lastReadEnqueue is { } previous && previous > lastWriteAt && now - previous < Policy.RefreshTimeout)
                            throw new InvalidOperationException($"A read at {now:O} enqueued a second refresh inside the lease taken at {previous:O}.");
                        lastReadEnqueue = now;
                    }

                    break;
                case Op.Advance:
                    time.Advance(TimeSpan.FromMilliseconds(arg * 3));
                    break;
                case Op.Deliver when queue.Pending.Count > 0:
                    var request = queue.Take(arg);
                    var stored = await ValueOf(cached);
                    var result = await TestThread.Settle(() => runtime.Registry.DispatchAsync(request, CancellationToken.None), $"The refresh enqueued at {request.EnqueuedAt:O}");
                    // A refresh enqueued before the latest write must not land over it, and one that
                    // does not land leaves the store as it was.
                    if (request.EnqueuedAt < lastWriteAt && result == RefreshResult.Succeeded)
                        throw new InvalidOperationException($"A refresh enqueued at {request.EnqueuedAt:O} landed over a write at {lastWriteAt:O}.");
                    if (result != RefreshResult.Succeeded && await ValueOf(cached) != stored)
                        throw new InvalidOperationException($"A refresh that ended {result} changed the store from {stored} to {await ValueOf(cached)}.");
                    if (result == RefreshResult.Succeeded)
                        lastWriteAt = Tick(time); // landed: the stale episode is over
                    break;
                case Op.Set:
                    await TestThread.Settle(() => cached.SetAsync("k", $"set-{++sets}"), $"A set at {now:O}");
                    lastWriteAt = Tick(time);
                    break;
                case Op.Delete:
                    await TestThread.Settle(() => cached.DeleteAsync("k"), $"A delete at {now:O}");
                    lastWriteAt = Tick(time);
                    break;
                case Op.Invalidate:
                    // Invalidate enqueues before it returns: its arrival is no read's (reads compare counts around themselves).
                    await TestThread.Settle(() => cached.InvalidateAsync("k"), $"An invalidate at {now:O}");
                    lastWriteAt = Tick(time);
                    break;
            }
        }

        return true;
    }

    /// <summary>Moves the clock one millisecond on, so that what follows a write is strictly after it.</summary>
    private static DateTimeOffset Tick(FakeTimeProvider time)
    {
        var at = time.GetUtcNow();
        time.Advance(TimeSpan.FromMilliseconds(1));
        return at;
    }

    private static async Task<string> ValueOf(CachedFetch<string, string> cached) =>
        (await Raw(cached))?.Value ?? "<absent>";

    private static async Task<(long Version, DateTimeOffset? LeaseUntil)> Lease(CachedFetch<string, string> cached) =>
        await Raw(cached) is { } e ? (e.Version, e.LeaseUntil) : (0L, null);

    private static Task<Envelope<string>?> Raw(CachedFetch<string, string> cached) =>
        TestThread.Settle(() => cached.RawGetAsync("k"), "A look at the store");

    /// <summary>Keeps requests until the history delivers them; counts arrivals. Only the test thread touches it.</summary>
    private sealed class CapturingQueue : IRefreshQueue
    {
        public List<RefreshRequest> Pending { get; } = [];

        public int Arrivals { get; private set; }

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public RefreshRequest Take(int index)
        {
            var request = Pending[index % Pending.Count];
            Pending.Remove(request);
            return request;
        }

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
        {
            Pending.Add(request);
            Arrivals++;
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
