using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// One job as the runtime runs it: its read path (read, decide, carry out) and the entry to its other
/// operations, refreshes and tags. A read never fails because of the store or the queue; only a
/// synchronous fetch's own exception reaches its callers.
/// </summary>
internal sealed class Executor<TArgs, T> : IRefreshHandler, IDisposable
{
    private readonly CachebackRuntime _runtime;
    private readonly JobFetch<TArgs, T> _fetch;
    private readonly IEnvelopeStore<T> _store;
    private readonly ISplitRead<T>? _split;
    private readonly Clock _clock;
    private readonly Rules _rules;
    private readonly CallRules<TArgs> _callRules;
    private readonly bool _earlyRefresh;
    private readonly Random _random;
    private readonly JobTelemetry _telemetry;
    private readonly JobTags<TArgs>? _tags;
    private readonly SyncFetch<TArgs, T> _syncFetch;
    private readonly BackgroundRefresh<TArgs, T> _refresh;

    public Executor(CachebackRuntime runtime, JobSpec<TArgs, T> spec)
    {
        _runtime = runtime;
        KeyOf = spec.Key;
        Empty = spec.Empty;
        Policy = spec.Policy;
        _rules = spec.Policy.Rules;
        _callRules = new CallRules<TArgs>(_rules, spec.Hooks);
        _earlyRefresh = _rules.EarlyRefreshBeta > 0;
        _random = runtime.Options.Random;
        _clock = runtime.Clock;
        var queue = runtime.QueueNamed(spec.QueueName);
        var store = runtime.StoreNamed(spec.StoreName);
        var tagBook = spec.Tags is null ? null : runtime.TagBookFor(spec.StoreName);
        StoreName = spec.StoreName;
        QueueName = spec.QueueName;
        Name = spec.RenameIfTaken ? runtime.Registry.RegisterUnique(spec.Name, this) : Register(runtime.Registry, spec.Name);
        _telemetry = new JobTelemetry(Name, runtime);
        if (runtime.IsAmbient)
            HostedRuntimes.AmbientJobMade(Name);
        try
        {
            _store = store.Partition(new PartitionSpec<T>(Name, spec.ValueSerializer, _telemetry.Unreadable));
            _split = _store as ISplitRead<T>;
        }
        catch
        {
            // Not usable: leave the name free.
            runtime.Registry.Unregister(Name);
            throw;
        }

        _fetch = new JobFetch<TArgs, T>(Name, spec.Fetch, Policy.RefreshTimeout, _clock.TimeProvider, _telemetry.Metrics.FetchDuration, _telemetry.Tag);
        _tags = spec.Tags is { } tagsOf ? new JobTags<TArgs>(tagsOf, tagBook!, _telemetry) : null;
        var writes = new FreshWrites<TArgs, T>(_store, _clock, _callRules, _random);
        _syncFetch = new SyncFetch<TArgs, T>(_fetch, writes, _tags, _clock, _callRules, _telemetry);
        _refresh = new BackgroundRefresh<TArgs, T>(_store, queue, runtime.Lane, Policy.RefreshTimeout, spec.ArgumentSerializer, _clock, _callRules, _fetch, writes, _tags, _telemetry);
        Operations = new JobOperations<TArgs, T>(_store, _clock, _callRules, _fetch, writes, _refresh, _tags, runtime.Options.VerifyCacheWrite, _telemetry);
    }

    public string Name { get; }

    public Policy Policy { get; }
    public string StoreName { get; }
    public string QueueName { get; }
    public Func<TArgs, string> KeyOf { get; }
    public Func<T> Empty { get; }

    /// <summary>Whether the job declared tags: its entries carry a stamp and its reads ask the tag book.</summary>
    public bool IsTagged => _tags is not null;

    /// <summary>The job's other operations: set, delete, raw get, invalidate, refresh now, enqueue a refresh.</summary>
    public JobOperations<TArgs, T> Operations { get; }

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
        // GetReadAsync, written out: the try below, moved into a helper both share, was not inlined on
        // .NET 10 and cost a hit about a third more (1 key: 0.48-0.77x of IMemoryCache against
        // 0.40-0.50x written out, 4 alternating pairs of `Cacheback.Benchmarks.dll memory 1`,
        // 2026-11-30). What follows the store's answer is the one path (Carry).
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
        _tags is null
            ? DecidedBy(now, stored, key, args, TagVerdict.Valid, cancellationToken)
            : DecidedTagged(now, stored, key, args, cancellationToken);

    /// <summary>
    /// A tagged job's read, once the store answered: the verdict of the entry's tags (asked only of a
    /// stored value), then the one decision.
    /// </summary>
    private ValueTask<CacheRead<T>> DecidedTagged(long now, Envelope<T>? stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        if (stored is not { HasValue: true })
            return DecidedBy(now, stored, key, args, TagVerdict.Valid, cancellationToken);
        var verdict = _tags!.VerdictAsync(stored.Tags, key, args, cancellationToken);
        return verdict.IsCompletedSuccessfully
            ? DecidedBy(now, stored, key, args, verdict.Result, cancellationToken)
            : DecidedLateAsync(verdict, stored, key, args, cancellationToken);
    }

    /// <summary>The decision once a tag book that did not answer at once has: at the time it answered.</summary>
    private async ValueTask<CacheRead<T>> DecidedLateAsync(ValueTask<TagVerdict> verdict, Envelope<T> stored, string key, TArgs args, CancellationToken cancellationToken)
    {
        var tags = await verdict.ConfigureAwait(false);
        return await DecidedBy(_clock.NowMs(), stored, key, args, tags, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decides on what a read found at <paramref name="now"/> (its tags saying <paramref name="tags"/>) and carries it out. A hit is Decide's
    /// first rule (<see cref="Decide.IsHit{T}(long, Envelope{T}, long, long)"/>), asked here alone so that
    /// it builds no rules and no effect; everything else goes through <see cref="Decide.Next{T}"/> (a common read's command is one instance: no allocation).
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
            _telemetry.CountHit(key);
            return new ValueTask<CacheRead<T>>(new CacheRead<T>(stored.RawValue, CacheStatus.Hit, null));
        }

        return Interpret(Decide.Next(Command<T>.Read.Of(draw, tags), now, stored, _callRules.Read(args, now, stored, fetchMs)), key, args, cancellationToken);
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
            _telemetry.StoreFailed(key, "read", e);
            return result(await Interpret(Decide.Next(Command<T>.StoreUnavailable.Instance, _clock.NowMs(), null, _rules), key, args, cancellationToken).ConfigureAwait(false));
        }

        var decided = Decided(_clock.NowMs(), stored, key, args, cancellationToken);
        return result(decided.IsCompletedSuccessfully ? decided.Result : await decided.ConfigureAwait(false));
    }

    /// <summary>Carries out what <see cref="Decide"/> said: serve the effect's value (or the empty value on a miss), claim, fetch.</summary>
    private ValueTask<CacheRead<T>> Interpret(Effect<T> effect, string key, TArgs args, CancellationToken cancellationToken)
    {
        _telemetry.Count(effect.Status, key);
        switch (effect)
        {
            case Effect<T>.Return r:
                // A placeholder inside its lease: the fill was left to a refresh. A hit or a leased stale value: no fetch needed.
                return new(new CacheRead<T>(r.TryGetValue(out var value) ? value : Empty(), r.Status, r.HasValue ? null : false));
            case Effect<T>.ReturnAndEnqueue e:
                // The claim is a compare-and-set; what follows it never holds the caller up, and its failures are logged, not thrown.
                _ = _refresh.ClaimAndEnqueueAsync(key, args, e.Claim);
                return new(new CacheRead<T>(e.TryGetValue(out var stale) ? stale : Empty(), e.Status, false));
            case Effect<T>.FetchSync f:
                return _syncFetch.RunAsync(key, args, f.ExpectedVersion, f.Status, f.WriteBack, cancellationToken);
            default:
                throw new InvalidOperationException($"{effect.GetType().Name} is not a read's effect.");
        }
    }

    /// <summary>Runs a refresh request taken from the queue (the pipeline calls this).</summary>
    public Task<RefreshResult> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken) => _refresh.RunAsync(request, cancellationToken);

    /// <summary>Invalidates <paramref name="tag"/> in this job's store: every job (and HybridCache) on it sees it.</summary>
    public ValueTask BumpTagAsync(string tag, bool remove, CancellationToken cancellationToken) =>
        _runtime.BumpTagAsync(StoreName, tag, remove, cancellationToken);
}
