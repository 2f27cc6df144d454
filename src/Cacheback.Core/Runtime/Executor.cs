using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Carries out the decisions of one job against its store and the runtime's queue: the only place
/// that awaits. A read never fails because of the store or the queue; only a synchronous fetch's
/// own exception reaches its callers.
/// </summary>
internal sealed partial class Executor<TArgs, T> : IRefreshHandler, IDisposable
{
    private readonly CachebackRuntime _runtime;
    private readonly JobFetch<TArgs, T> _fetch;
    private readonly IPayloadSerializer<TArgs> _argsSerializer;
    private readonly IEnvelopeStore<T> _store;
    private readonly IRefreshQueue _queue;
    private readonly IJobHooks<TArgs>? _hooks;
    private readonly SingleFlight<T> _flights = new();
    private readonly SingleFlight<RefreshResult> _refreshesHere = new();
    private readonly Clock _clock;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly CachebackMetrics _metrics;

    public Executor(CachebackRuntime runtime, JobSpec<TArgs, T> spec)
    {
        _runtime = runtime;
        _argsSerializer = spec.ArgumentSerializer;
        _hooks = spec.Hooks;
        KeyOf = spec.Key;
        Empty = spec.Empty;
        Policy = spec.Policy;
        _clock = runtime.Clock;
        _metrics = runtime.Metrics;
        _queue = runtime.QueueNamed(spec.QueueName);
        var store = runtime.StoreNamed(spec.StoreName);
        StoreName = spec.StoreName;
        QueueName = spec.QueueName;
        Name = spec.RenameIfTaken ? runtime.Registry.RegisterUnique(spec.Name, this) : Register(runtime.Registry, spec.Name);
        _logger = runtime.LoggerFactory.CreateLogger("Cacheback.Job." + Name);
        _tag = CachebackMetrics.JobTag(Name);
        _fetch = new JobFetch<TArgs, T>(Name, spec.Fetch, Policy.RefreshTimeout, _clock.TimeProvider, _metrics.FetchDuration, _tag);
        if (runtime.IsAmbient)
            HostedRuntimes.AmbientJobMade(Name);
        try
        {
            _store = store.Partition(new PartitionSpec<T>(Name, spec.ValueSerializer, OnUnreadable));
        }
        catch
        {
            // Not usable: leave the name free.
            runtime.Registry.Unregister(Name);
            throw;
        }
    }

    public string Name { get; }

    public Policy Policy { get; }
    public string StoreName { get; }
    public string QueueName { get; }
    public Func<TArgs, string> KeyOf { get; }
    public Func<T> Empty { get; }

    /// <summary>A fetch, synchronous or in the background, may run as long as the refresh lease: the job's refresh timeout.</summary>
    public TimeSpan? Timeout => Policy.RefreshTimeout;

    /// <summary>Leaves the registry: refresh requests naming it are dropped from now on.</summary>
    public void Dispose() => _runtime.Registry.Unregister(Name);

    private string Register(JobRegistry registry, string name)
    {
        registry.Register(name, this);
        return name;
    }

    public ValueTask<T> GetAsync(TArgs args, CancellationToken cancellationToken) => GetAsync(KeyOf(args), args, cancellationToken);

    public ValueTask<T> GetAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        // The hot path, written out (measured: moving any of it into a helper costs 10-25 ns here):
        // a store that answers at once with a fresh value. No allocation, no await.
        ValueTask<Envelope<T>?> read;
        try
        {
            read = _store.ReadAsync(key, cancellationToken);
        }
#pragma warning disable CA1031 // GetSlowAsync sorts what the store threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            read = ValueTask.FromException<Envelope<T>?>(e);
        }

        if (!read.IsCompletedSuccessfully)
            return GetSlowAsync(read, key, args, cancellationToken);
        var stored = read.Result;
        var now = _clock.NowMs();
        if (stored is not null && Decide.IsHit(now, stored, Policy))
        {
            CountHit(key);
            return new ValueTask<T>(stored.RawValue);
        }

        var decided = NotAHit(now, stored, key, args, cancellationToken);
        return decided.IsCompletedSuccessfully ? new ValueTask<T>(decided.Result.Value) : ValueOf(decided);
    }

    /// <summary>Reads <paramref name="key"/>: the value, the status, and whether this read fetched.</summary>
    public ValueTask<CacheRead<T>> GetReadAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        var read = StartRead(key, cancellationToken);
        return read.IsCompletedSuccessfully
            ? Decided(_clock.NowMs(), read.Result, key, args, cancellationToken)
            : ReadSlowAsync(read, key, args, cancellationToken);
    }

    private void CountHit(string key)
    {
        _metrics.Hits.Add(1, _tag);
        if (_runtime.EventHub.IsObserved)
            Publish(CacheEventKind.Hit, key);
    }

    /// <summary>Decides on what a read gave at <paramref name="now"/> and carries it out.</summary>
    private ValueTask<CacheRead<T>> Decided(long now, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        if (stored is not null && Decide.IsHit(now, stored, Policy))
        {
            CountHit(key);
            return new ValueTask<CacheRead<T>>(new CacheRead<T>(stored.RawValue, CacheStatus.Hit, null));
        }

        return NotAHit(now, stored, key, args, cancellationToken);
    }

    /// <summary>What a read that is not a plain hit does: the decision, refined by the job's hooks, carried out.</summary>
    private ValueTask<CacheRead<T>> NotAHit(long now, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        var effect = Decide.Read(now, stored, Policy);
        return Interpret(_hooks is null ? effect : Refine(effect, stored, args, now), stored, key, args, cancellationToken);
    }

    private static async ValueTask<T> ValueOf(ValueTask<CacheRead<T>> read) => (await read.ConfigureAwait(false)).Value;

    /// <summary>The store's read, with a synchronous throw turned into a faulted task.</summary>
    private ValueTask<Envelope<T>?> StartRead(string key, CancellationToken cancellationToken)
    {
        try
        {
            return _store.ReadAsync(key, cancellationToken);
        }
#pragma warning disable CA1031 // ReadSlowAsync sorts what the store threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return ValueTask.FromException<Envelope<T>?>(e);
        }
    }

    /// <summary>
    /// <see cref="GetAsync(string, TArgs, CancellationToken)"/> once the store is waited for (a
    /// remote store, always): one state machine for the await, the hit and the rest.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> GetSlowAsync(ValueTask<Envelope<T>?> read, string key, TArgs args, CancellationToken cancellationToken)
    {
        Envelope<T>? stored;
        try
        {
            stored = await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (await ReadFailed(e, key, args, cancellationToken).ConfigureAwait(false)).Value;
        }

        var now = _clock.NowMs();
        if (stored is not null && Decide.IsHit(now, stored, Policy))
        {
            CountHit(key);
            return stored.RawValue;
        }

        return (await NotAHit(now, stored, key, args, cancellationToken).ConfigureAwait(false)).Value;
    }

    private async ValueTask<CacheRead<T>> ReadSlowAsync(ValueTask<Envelope<T>?> read, string key, TArgs args, CancellationToken cancellationToken)
    {
        Envelope<T>? stored;
        try
        {
            stored = await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return await ReadFailed(e, key, args, cancellationToken).ConfigureAwait(false);
        }

        return await Decided(_clock.NowMs(), stored, key, args, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store is down: degrade to fetching.</summary>
    private ValueTask<CacheRead<T>> ReadFailed(Exception e, string key, TArgs args, CancellationToken cancellationToken)
    {
        StoreFailed(key, "read", e);
        Count(CacheStatus.Miss, key);
        return FetchShared(key, args, expectedVersion: 0, CacheStatus.Miss, cancellationToken, storeDown: true);
    }

    private ValueTask<CacheRead<T>> Interpret(Effect<T> effect, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        Count(effect.Status, key);
        // What a returning effect serves is the stored value, as a hit serves it (a stored null stays null), or the empty value.
        var served = effect.Status != CacheStatus.Miss && stored is { HasValue: true } ? stored.RawValue : default;
        switch (effect)
        {
            case Effect<T>.Return r:
                // A placeholder inside its lease: the fill was left to a refresh. A hit or a leased stale value: no fetch needed.
                return new(new CacheRead<T>(r.Status == CacheStatus.Miss ? Empty() : served!, r.Status, r.Status == CacheStatus.Miss ? false : null));
            case Effect<T>.ReturnAndEnqueue e:
                // The claim is a compare-and-set; what follows it never holds the caller up, and its failures are logged, not thrown.
                _ = ClaimAndEnqueueAsync(key, args, e.Claim);
                return new(new CacheRead<T>(e.Status == CacheStatus.Miss ? Empty() : served!, e.Status, false));
            case Effect<T>.FetchSync f:
                return FetchShared(key, args, f.ExpectedVersion, f.Status, cancellationToken);
            default:
                throw new InvalidOperationException("Effect is a closed union.");
        }
    }

    /// <summary>
    /// Joins or starts the fetch of <paramref name="key"/>; the caller's token only stops this caller waiting.
    /// When the read found the store failing (<paramref name="storeDown"/>), the value is returned
    /// without writing it back: a store that stopped answering would hold every caller a second
    /// timeout (issue 10, defect 12). The next read that finds the store answering fetches and stores.
    /// </summary>
    private async ValueTask<CacheRead<T>> FetchShared(string key, TArgs args, long expectedVersion, CacheStatus status, CancellationToken cancellationToken, bool storeDown = false)
    {
        var flight = _flights.Run(key, (Self: this, Key: key, Args: args, Expected: expectedVersion, Status: status, StoreDown: storeDown),
            static s => s.Self.FetchAndStoreAsync(s.Key, s.Args, s.Expected, s.Status, s.StoreDown));
        var value = await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new CacheRead<T>(value, status, true);
    }

    private async Task<T> FetchAndStoreAsync(string key, TArgs args, long expectedVersion, CacheStatus status, bool storeDown)
    {
        // One span per flight, however many callers share it; the caller that started it is its parent.
        using var activity = CachebackTracing.Start(CachebackTracing.Fetch, Name, key);
        activity?.SetTag(CachebackTracing.StatusTag, status == CacheStatus.Miss ? "miss" : "stale");
        T value;
        try
        {
            value = await _fetch.WithinTimeoutAsync(key, args).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.FetchFailed(_logger, Name, key, e);
            Publish(CacheEventKind.FetchFailed, key, error: e);
            activity.Failed(e, e is TimeoutException ? "timed_out" : "failed");
            throw;
        }

        if (storeDown)
        {
            activity.Ended("store_down_not_written");
            return value;
        }

        try
        {
            activity.Ended(CachebackTracing.Outcome(await StoreFreshAsync(key, args, value, expectedVersion, CancellationToken.None).ConfigureAwait(false)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StoreFailed(key, "write", e);
            // The callers get their value; the span says it was not kept.
            activity.Ended("store_failed");
        }

        return value;
    }

    /// <summary>Stores a fetched value: unconditionally when <paramref name="expectedVersion"/> is null, else only over that version.</summary>
    private async Task<RefreshResult> StoreFreshAsync(string key, TArgs args, T value, long? expectedVersion, CancellationToken cancellationToken) =>
        (await StoreFreshCheckedAsync(key, args, value, expectedVersion, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary><see cref="StoreFreshAsync"/>, also giving the envelope written, for a read-back to compare.</summary>
    private async Task<(RefreshResult Result, Envelope<T> Written)> StoreFreshCheckedAsync(string key, TArgs args, T value, long? expectedVersion, CancellationToken cancellationToken)
    {
        var now = _clock.NowMs();
        // A hook's expiry is brought inside [now, now + CacheTtl]: see EnvelopeTime.FromHook.
        var freshUntil = _hooks is null
            ? EnvelopeTime.Add(now, Policy.LifetimeMs)
            : EnvelopeTime.FromHook(_hooks.Expiry(args, DateTimeOffset.FromUnixTimeMilliseconds(now)), now, Policy.CacheTtlMs);
        var envelope = Envelope.FromMs(Envelope.NewVersion(), true, value, now, freshUntil, 0);
        if (expectedVersion is not { } expected)
        {
            await _store.WriteAsync(key, envelope, Policy.CacheTtl, cancellationToken).ConfigureAwait(false);
            return (RefreshResult.Succeeded, envelope);
        }

        var stored = await _store.CompareAndSetAsync(key, expected, envelope, Policy.CacheTtl, cancellationToken).ConfigureAwait(false);
        return (stored ? RefreshResult.Succeeded : RefreshResult.Superseded, envelope);
    }
}
