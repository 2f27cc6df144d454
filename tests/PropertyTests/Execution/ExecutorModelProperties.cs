using System.Reactive.Linq;
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
    public bool Executor_RandomHistories_KeepTheInvariants(List<(Op Op, int Arg)> commands) => Run(commands);

    private static bool Run(List<(Op Op, int Arg)> commands)
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
                    var before = Lease(cached);
                    cached.GetAsync("k").AsTask().Wait();
                    var after = Lease(cached);
                    if (after.Version != before.Version && after.LeaseUntil is not null)
                    {
                        // This read won a claim: its refresh is enqueued off the reader's thread; wait for it.
                        if (!queue.Arrived.Wait(TimeSpan.FromSeconds(30)))
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
                    var stored = ValueOf(cached);
                    var result = runtime.Registry.DispatchAsync(request, CancellationToken.None).Result;
                    // A refresh enqueued before the latest write must not land over it, and one that
                    // does not land leaves the store as it was.
                    if (request.EnqueuedAt < lastWriteAt && result == RefreshResult.Succeeded)
                        throw new InvalidOperationException($"A refresh enqueued at {request.EnqueuedAt:O} landed over a write at {lastWriteAt:O}.");
                    if (result != RefreshResult.Succeeded && ValueOf(cached) != stored)
                        throw new InvalidOperationException($"A refresh that ended {result} changed the store from {stored} to {ValueOf(cached)}.");
                    if (result == RefreshResult.Succeeded)
                        lastWriteAt = Tick(time); // landed: the stale episode is over
                    break;
                case Op.Set:
                    cached.SetAsync("k", $"set-{++sets}").Wait();
                    lastWriteAt = Tick(time);
                    break;
                case Op.Delete:
                    cached.DeleteAsync("k").Wait();
                    lastWriteAt = Tick(time);
                    break;
                case Op.Invalidate:
                    cached.InvalidateAsync("k").Wait();
                    while (queue.Arrived.Wait(0))
                    {
                        // Invalidate enqueues before it returns: its arrival is no read's.
                    }

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

    private static string ValueOf(CachedFetch<string, string> cached) =>
        cached.RawGetAsync("k").Result?.Value ?? "<absent>";

    private static (long Version, DateTimeOffset? LeaseUntil) Lease(CachedFetch<string, string> cached) =>
        cached.RawGetAsync("k").Result is { } e ? (e.Version, e.LeaseUntil) : (0L, null);

    /// <summary>Keeps requests until the history delivers them; signals each arrival.</summary>
    private sealed class CapturingQueue : IRefreshQueue
    {
        private readonly object _gate = new();

        public List<RefreshRequest> Pending { get; } = [];

        public SemaphoreSlim Arrived { get; } = new(0);

        public ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken) => NeverTake.Until(cancellationToken);

        public RefreshRequest Take(int index)
        {
            lock (_gate)
            {
                var request = Pending[index % Pending.Count];
                Pending.Remove(request);
                return request;
            }
        }

        public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
        {
            lock (_gate)
                Pending.Add(request);
            Arrived.Release();
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
