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
    private readonly ISplitRead<T>? _split;
    private readonly IRefreshQueue _queue;
    private readonly IJobHooks<TArgs>? _hooks;
    private readonly SingleFlight<T> _flights = new();
    private readonly SingleFlight<RefreshResult> _refreshesHere = new();
    private readonly Clock _clock;
    private readonly Rules _rules;
    private readonly bool _earlyRefresh;
    private readonly bool _jitter;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly CachebackMetrics _metrics;
    private readonly Func<TArgs, IEnumerable<string>?>? _tagsOf;
    private readonly ITagBook? _tagBook;

    public Executor(CachebackRuntime runtime, JobSpec<TArgs, T> spec)
    {
        _runtime = runtime;
        _argsSerializer = spec.ArgumentSerializer;
        _hooks = spec.Hooks;
        KeyOf = spec.Key;
        Empty = spec.Empty;
        Policy = spec.Policy;
        _rules = spec.Policy.Rules;
        _earlyRefresh = _rules.EarlyRefreshBeta > 0;
        _jitter = _rules.LifetimeJitter > 0;
        _random = runtime.Options.Random;
        _clock = runtime.Clock;
        _metrics = runtime.Metrics;
        _queue = runtime.QueueNamed(spec.QueueName);
        var store = runtime.StoreNamed(spec.StoreName);
        StoreName = spec.StoreName;
        if (spec.Tags is not null)
        {
            _tagsOf = spec.Tags;
            _tagBook = runtime.TagBookFor(spec.StoreName);
        }

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
            _split = _store as ISplitRead<T>;
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

    /// <summary>The value of <see cref="GetReadAsync"/>: without awaiting when the read completed at once (a hit in a memory store).</summary>
    public ValueTask<T> GetAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        // GetReadAsync, written out: a method with a try cannot be inlined, and the call and the copy
        // of its result cost a hit a few ns. What follows the store's answer is the one path (Carry).
        if (_split is not null)
            return ReadSplit(key, args, cancellationToken, static read => read.Value);
        ValueTask<Envelope<T>?> stored;
        try
        {
            stored = _store.ReadAsync(key, cancellationToken);
        }
#pragma warning disable CA1031 // ReadSlowAsync sorts what the store threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            stored = ValueTask.FromException<Envelope<T>?>(e);
        }

        if (!stored.IsCompletedSuccessfully)
            return ReadSlowAsync(stored, null, key, args, cancellationToken, static read => read.Value);
        var decided = Decided(_clock.NowMs(), stored.Result, key, args, cancellationToken);
        return decided.IsCompletedSuccessfully ? new ValueTask<T>(decided.Result.Value) : ValueOf(decided);
    }

    /// <summary>
    /// Reads <paramref name="key"/>: the value, the status, and whether this read fetched. A store
    /// that answers at once with a fresh value costs no allocation and no await.
    /// </summary>
    public ValueTask<CacheRead<T>> GetReadAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        if (_split is not null)
            return ReadSplit(key, args, cancellationToken, static read => read);
        ValueTask<Envelope<T>?> stored;
        try
        {
            stored = _store.ReadAsync(key, cancellationToken);
        }
#pragma warning disable CA1031 // ReadSlowAsync sorts what the store threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            stored = ValueTask.FromException<Envelope<T>?>(e);
        }

        return Carry(stored, key, args, cancellationToken);
    }

    /// <summary>The read path, the only one, once the store's read is started: decide on what it found, and carry it out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<CacheRead<T>> Carry(ValueTask<Envelope<T>?> stored, string key, TArgs args, CancellationToken cancellationToken) =>
        stored.IsCompletedSuccessfully
            ? Decided(_clock.NowMs(), stored.Result, key, args, cancellationToken)
            : ReadSlowAsync(stored, null, key, args, cancellationToken, static read => read);

    /// <summary>Decides on what a read found at <paramref name="now"/>: a tagged job asks its tags first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<CacheRead<T>> Decided(long now, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken) =>
        _tagsOf is null
            ? DecidedBy(now, stored, key, args, TagVerdict.Valid, cancellationToken)
            : DecidedTagged(now, stored, key, args, cancellationToken);

    /// <summary>
    /// Decides on what a read found at <paramref name="now"/> (its tags saying <paramref name="tags"/>) and carries it out. A hit is Decide's
    /// first rule (<see cref="Decide.IsHit{T}(long, Envelope{T}, long, long)"/>), asked here alone so that
    /// it builds no rules and no effect; everything else goes through <see cref="Decide.Read{T}(long, Envelope{T}, in Rules, double, TagVerdict)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<CacheRead<T>> DecidedBy(long now, Envelope<T>? stored, string key, TArgs args, TagVerdict tags, CancellationToken cancellationToken)
    {
        // Early refresh draws once per read, and only when the policy turns it on.
        double draw = 0;
        long fetchMs = 0, headStart = 0;
        if (_earlyRefresh)
        {
            draw = _random.NextDouble();
            fetchMs = _fetch.AverageMs;
            headStart = Decide.HeadStartMs(_rules.EarlyRefreshBeta, fetchMs, draw);
        }

        if (stored is not null && tags == TagVerdict.Valid && Decide.IsHit(now, stored, _rules.CacheTtlMs, headStart))
        {
            CountHit(key);
            return new ValueTask<CacheRead<T>>(new CacheRead<T>(stored.RawValue, CacheStatus.Hit, null));
        }

        return Interpret(Decide.Read(now, stored, ReadRules(args, now, stored, fetchMs), draw, tags), key, args, cancellationToken);
    }

    private void CountHit(string key)
    {
        _metrics.Hits.Add(1, _tag);
        if (_runtime.EventHub.IsObserved)
            Publish(CacheEventKind.Hit, key);
    }

    /// <summary>The value of a read that did not complete at once (a remote store's, always): pooled, like <see cref="ReadSlowAsync"/>, so that a Redis hit allocates no state machine.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> ValueOf(ValueTask<CacheRead<T>> read) => (await read.ConfigureAwait(false)).Value;

    /// <summary>The read of a split store (<see cref="ISplitRead{T}"/>, Redis): its I/O is awaited by <see cref="ReadSlowAsync"/> itself.</summary>
    private ValueTask<TResult> ReadSplit<TResult>(string key, TArgs args, CancellationToken cancellationToken, Func<CacheRead<T>, TResult> result)
    {
        try
        {
            return ReadSlowAsync(default, _split!.StartRead(key, cancellationToken), key, args, cancellationToken, result);
        }
#pragma warning disable CA1031 // ReadSlowAsync sorts what the store threw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return ReadSlowAsync(ValueTask.FromException<Envelope<T>?>(e), null, key, args, cancellationToken, result);
        }
    }

    /// <summary>
    /// <see cref="Carry"/> once the store is waited for (a remote store, always), handing back
    /// <paramref name="result"/> of the read: <see cref="GetAsync(string, TArgs, CancellationToken)"/>
    /// takes the value here rather than awaiting this in a second state machine (one await less per Redis hit).
    /// A split store's I/O (<paramref name="started"/>, when not null) is awaited here and opened, instead of
    /// <paramref name="read"/>: one more await less per Redis hit.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> ReadSlowAsync<TResult>(ValueTask<Envelope<T>?> read, Task? started, string key, TArgs args, CancellationToken cancellationToken, Func<CacheRead<T>, TResult> result)
    {
        Envelope<T>? stored;
        try
        {
            if (started is null)
            {
                stored = await read.ConfigureAwait(false);
            }
            else
            {
                await started.ConfigureAwait(false);
                stored = _split!.OpenRead(started, key);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store is down: a read never fails because of it.
            StoreFailed(key, "read", e);
            return result(await Interpret(Decide.StoreUnavailable<T>(), key, args, cancellationToken).ConfigureAwait(false));
        }

        var decided = Decided(_clock.NowMs(), stored, key, args, cancellationToken);
        return result(decided.IsCompletedSuccessfully ? decided.Result : await decided.ConfigureAwait(false));
    }

    /// <summary>Carries out what <see cref="Decide"/> said: serve the effect's value (or the empty value on a miss), claim, fetch.</summary>
    private ValueTask<CacheRead<T>> Interpret(Effect<T> effect, string key, TArgs args, CancellationToken cancellationToken)
    {
        Count(effect.Status, key);
        switch (effect)
        {
            case Effect<T>.Return r:
                // A placeholder inside its lease: the fill was left to a refresh. A hit or a leased stale value: no fetch needed.
                return new(new CacheRead<T>(r.TryGetValue(out var value) ? value : Empty(), r.Status, r.HasValue ? null : false));
            case Effect<T>.ReturnAndEnqueue e:
                // The claim is a compare-and-set; what follows it never holds the caller up, and its failures are logged, not thrown.
                _ = ClaimAndEnqueueAsync(key, args, e.Claim);
                return new(new CacheRead<T>(e.TryGetValue(out var stale) ? stale : Empty(), e.Status, false));
            case Effect<T>.FetchSync f:
                return FetchShared(key, args, f.ExpectedVersion, f.Status, cancellationToken, storeDown: !f.WriteBack);
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
        // The tags' stamp before the fetch runs; a book that cannot say leaves the value unstored
        // (it could not be shown fresh later), as a store that is down does.
        TagStamp? stamp = null;
        if (_tagsOf is not null && !storeDown)
        {
            try
            {
                stamp = await StampAsync(args, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                StoreFailed(key, "read tags", e);
                storeDown = true;
            }
        }

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
            activity.Ended(CachebackTracing.Outcome(await StoreFreshAsync(key, args, value, expectedVersion, stamp, CancellationToken.None).ConfigureAwait(false)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StoreFailed(key, "write", e);
            // The callers get their value; the span says it was not kept.
            activity.Ended("store_failed");
        }

        return value;
    }

    /// <summary>
    /// Stores a fetched value: unconditionally when <paramref name="expectedVersion"/> is null, else
    /// only over that version; a tagged job's value with <paramref name="stamp"/>, its tags' stamp read before the fetch.
    /// </summary>
    private async Task<RefreshResult> StoreFreshAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken) =>
        (await StoreFreshCheckedAsync(key, args, value, expectedVersion, stamp, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary><see cref="StoreFreshAsync"/>, also giving the envelope written, for a read-back to compare.</summary>
    private async Task<(RefreshResult Result, Envelope<T> Written)> StoreFreshCheckedAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken)
    {
        var now = _clock.NowMs();
        var write = Decide.Write(now, value, Envelope.NewVersion(), expectedVersion, WriteRules(args, now), _jitter ? _random.NextDouble() : 0, stamp);
        if (write.ExpectedVersion is not { } expected)
        {
            await _store.WriteAsync(key, write.Envelope, write.Ttl, cancellationToken).ConfigureAwait(false);
            return (RefreshResult.Succeeded, write.Envelope);
        }

        var stored = await _store.CompareAndSetAsync(key, expected, write.Envelope, write.Ttl, cancellationToken).ConfigureAwait(false);
        return (stored ? RefreshResult.Succeeded : RefreshResult.Superseded, write.Envelope);
    }
}
