using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>
/// The refresh of a stale entry: claimed in the store (a compare-and-set, so one caller per stale
/// episode wins across every process), then enqueued for the process that runs refreshes when a
/// factory is registered by name for the key, or else run in this process with the call's factory
/// through the runtime's local lane: the refresh pipeline's dedupe, timeout and bound, and its
/// outcome on the runtime's <see cref="CachebackRuntime.Outcomes"/> and metrics.
/// </summary>
internal sealed class HybridRefresher(
    IEnvelopeStore<HybridEntry> store,
    CachebackRuntime runtime,
    HybridWriter writer,
    HybridCallRules rules,
    HybridFactory[] factories,
    Clock clock,
    ILogger logger)
{
    /// <summary>The job name of the refreshes run here with a call's factory, in outcomes, metrics, events and spans.</summary>
    internal const string LocalJob = "hybrid";

    // The keys whose claim this process is sending. Not a record of running refreshes (the pipeline
    // keeps that): only a guard in front of the claim, held until the store answers it. Until the
    // lease shows in the store (or its L1) every stale reader here would send a compare-and-set that
    // can only lose, and each lost one makes an L1 forget the key. Once answered, the lease (or the
    // winner's) keeps readers from claiming until it runs out, which is when the refresh times out.
    private readonly ConcurrentDictionary<string, byte> _claiming = new(StringComparer.Ordinal);

    /// <summary>Raised when this process enqueued the refresh of a key with a named factory: tests wait on it.</summary>
    public event Action<string>? RefreshEnqueued;

    /// <summary>Raised when a background refresh this process claimed has ended (landed, superseded or failed): tests and benchmarks wait on it.</summary>
    public event Action<string>? RefreshEnded;

    /// <summary>
    /// Starts the refresh of a stale entry, unless this process is already claiming it: until the
    /// lease shows in the store (or its L1), every reader here would send a compare-and-set that can
    /// only lose, and each lost one makes an L1 forget the key. Never throws.
    /// </summary>
    public void Start<TState, T>(
        string key,
        Claim<HybridEntry> claim,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        IEnumerable<string>? tags)
    {
        if (!_claiming.TryAdd(key, 0))
            return;
        var named = factories.Length > 0 && FactoryFor(key) is { } found && found.ValueType == typeof(T) ? found : null;
        _ = RefreshAsync(key, claim, named, state, factory, policy, flags, TagRules.Normalize(tags));
    }

    /// <summary>
    /// Claims the refresh, then, off the caller's thread, enqueues it (a factory registered by name:
    /// run by the process that runs refreshes, over this claim) or runs it here through the local
    /// lane. When the queue will not take it, this call's factory refreshes here instead. Never throws.
    /// </summary>
    private async Task RefreshAsync<TState, T>(
        string key,
        Claim<HybridEntry> claim,
        HybridFactory? named,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags)
    {
        var claimed = await ClaimAsync(key, claim).ConfigureAwait(false);
        // Answered: the lease (ours, or the winner's) now keeps this process's readers from claiming.
        _claiming.TryRemove(key, out _);
        if (claimed is not { } version)
            return;
        // A memory store claims synchronously, on the reader's thread: leave it before the factory runs.
        await Task.Yield();
        if (named is not null && await EnqueueAsync(key, version, named, policy, flags, tags).ConfigureAwait(false))
        {
            RefreshEnqueued?.Invoke(key);
            return;
        }

        await RunHereAsync(key, version, named, state, factory, policy, flags, tags).ConfigureAwait(false);
    }

    /// <summary>Enqueues a claimed refresh for its named factory: false when the queue will not take it (logged).</summary>
    private async ValueTask<bool> EnqueueAsync(string key, long version, HybridFactory named, Policy policy, HybridCacheEntryFlags flags, string[] tags)
    {
        try
        {
            var arguments = new HybridRefreshArguments(policy.LifetimeMs, (int)flags, tags).Serialize();
            await runtime.Queue.EnqueueAsync(new RefreshRequest(named.RequestName, key, version, arguments, clock.Now())).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // The queue is down: the caller refreshes here, as for an anonymous factory.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.QueueFailed(logger, key, named.Name, e);
            return false;
        }
    }

    /// <summary>Takes the refresh lease by compare-and-set: the version claimed, or null (lost, or the store failed; logged).</summary>
    private async ValueTask<long?> ClaimAsync(string key, Claim<HybridEntry> claim)
    {
        var version = Envelope.NewVersion();
        try
        {
            if (await store.CompareAndSetAsync(key, claim.ExpectedVersion, claim.ToEnvelope(version), claim.Ttl).ConfigureAwait(false))
                return version;
            return null;
        }
#pragma warning disable CA1031 // Nobody awaits this task: the next read after the lease tries again.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.StoreFailed(logger, key, "claim", e);
            return null;
        }
    }

    /// <summary>
    /// Runs a claimed refresh in this process with the call's factory, through the runtime's local
    /// lane: the pipeline runs it (one per claim, bounded with every refresh run here), cancels it at
    /// the refresh timeout, counts its outcome and publishes it; it stores over the claim only. A full
    /// lane refuses it: logged, and the refresh is dropped (the lease runs out, and the next read after
    /// it claims again). Never throws.
    /// </summary>
    private async Task RunHereAsync<TState, T>(
        string key,
        long version,
        HybridFactory? named,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        Policy policy,
        HybridCacheEntryFlags flags,
        string[] tags)
    {
        try
        {
            var request = new RefreshRequest(named?.RequestName ?? LocalJob, key, version, [], clock.Now());
            runtime.Metrics.RefreshesStarted.Add(1, CachebackMetrics.JobTag(request.Job));
            var running = runtime.Lane.TryRun(request, async token =>
            {
                // A refresh that outlives its lease does not land: another may have been claimed since.
                var (_, lost) = await writer.FetchAndStoreAsync(key, state, factory, policy, flags, tags, version, token).ConfigureAwait(false);
                return lost ? RefreshResult.Superseded : RefreshResult.Succeeded;
            }, policy.RefreshTimeout);
            if (running is null)
            {
                HybridLog.RefreshDropped(logger, key, runtime.Lane.Capacity);
                return;
            }

            var outcome = await running.ConfigureAwait(false);
            if (outcome.Result is RefreshResult.Failed or RefreshResult.TimedOut)
                HybridLog.RefreshFailed(logger, key, outcome.Error ?? new InvalidOperationException($"The refresh ended {outcome.Result}."));
        }
#pragma warning disable CA1031 // A background refresh: its failure is logged, the stale value stays served.
        catch (Exception e)
#pragma warning restore CA1031
        {
            HybridLog.RefreshFailed(logger, key, e);
        }
        finally
        {
            RefreshEnded?.Invoke(key);
        }
    }

    /// <summary>
    /// Runs a queued refresh of a named factory (the runtime's refresh worker calls this, through the
    /// factory's handler): unless the claim it carries is gone, reads the tags' versions, runs the
    /// factory in a scope of its own, and stores the value over that claim only.
    /// </summary>
    public async Task<RefreshResult> RunNamedAsync<T>(RefreshRequest request, HybridFactory<T> named, IServiceProvider services, CancellationToken cancellationToken)
    {
        var arguments = HybridRefreshArguments.Deserialize(request.Arguments);
        var stored = await store.ReadAsync(request.Key, cancellationToken).ConfigureAwait(false);
        var policy = rules.PolicyFor(TimeSpan.FromMilliseconds(arguments.ExpirationMs));
        if (request.ExpectedVersion is { } expected
            && Decide.Next(new Command<HybridEntry>.RunRefresh(expected), clock.NowMs(), stored, policy.Rules) is Effect<HybridEntry>.Superseded)
            return RefreshResult.SupersededBeforeFetch;
        var (_, lost) = await writer.FetchAndStoreAsync(
            request.Key,
            (Named: named, Services: services, request.Key),
            static (s, token) => s.Named.RunAsync(s.Services, s.Key, token),
            policy,
            (HybridCacheEntryFlags)arguments.Flags,
            arguments.Tags,
            request.ExpectedVersion,
            cancellationToken).ConfigureAwait(false);
        return lost ? RefreshResult.Superseded : RefreshResult.Succeeded;
    }

    /// <summary>The factory registered by name whose prefix <paramref name="key"/> starts with (the longest), if any.</summary>
    private HybridFactory? FactoryFor(string key)
    {
        HybridFactory? found = null;
        foreach (var factory in factories)
        {
            if (key.StartsWith(factory.KeyPrefix, StringComparison.Ordinal) && (found is null || factory.KeyPrefix.Length > found.KeyPrefix.Length))
                found = factory;
        }

        return found;
    }
}
