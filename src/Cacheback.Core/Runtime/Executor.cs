using LanguageExt;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Carries out the decisions of one job against its store and the runtime's queue: the only place
/// that awaits. A read never fails because of the store or the queue; only a synchronous fetch's
/// own exception reaches its callers.
/// </summary>
internal sealed partial class Executor<TArgs, T> : IRefreshHandler
{
    private readonly CachebackRuntime _runtime;
    private readonly Func<TArgs, CancellationToken, Task<T>> _fetch;
    private readonly IPayloadSerializer<TArgs> _argsSerializer;
    private readonly IEnvelopeStore<T> _store;
    private readonly SingleFlight<T> _flights = new();
    private readonly Clock _clock;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _tag;

    public Executor(CachebackRuntime runtime, JobSpec<TArgs, T> spec)
    {
        _runtime = runtime;
        _fetch = spec.Fetch;
        _argsSerializer = spec.ArgumentSerializer;
        KeyOf = spec.Key;
        Empty = spec.Empty;
        Policy = spec.Policy;
        _clock = runtime.Clock;
        Name = runtime.Registry.RegisterUnique(spec.Name, this);
        _logger = runtime.LoggerFactory.CreateLogger("Cacheback.Job." + Name);
        _tag = CachebackMetrics.JobTag(Name);
        _store = runtime.Store.Partition(new PartitionSpec<T>(Name, spec.ValueSerializer, OnUnreadable));
    }

    public string Name { get; }
    public Policy Policy { get; }
    public Func<TArgs, string> KeyOf { get; }
    public T Empty { get; }

    public ValueTask<T> GetAsync(TArgs args, CancellationToken cancellationToken) => GetAsync(KeyOf(args), args, cancellationToken);

    public ValueTask<T> GetAsync(string key, TArgs args, CancellationToken cancellationToken)
    {
        ValueTask<Option<Envelope<T>>> read;
        try
        {
            read = _store.ReadAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return StoreDown(key, args, e, cancellationToken);
        }

        if (!read.IsCompletedSuccessfully)
            return GetSlowAsync(read, key, args, cancellationToken);
        var stored = read.Result.OrNull();
        var effect = Decide.Read(_clock.NowMs(), stored, Policy);
        if (stored is not null && ReferenceEquals(effect, stored.HitEffect))
        {
            // The hot path: no allocation, no await.
            CachebackMetrics.Hits.Add(1, _tag);
            if (_runtime.EventHub.IsObserved)
                Publish(CacheEventKind.Hit, key);
            return new ValueTask<T>(stored.RawValue);
        }

        return Interpret(effect, key, args, cancellationToken);
    }

    private async ValueTask<T> GetSlowAsync(ValueTask<Option<Envelope<T>>> read, string key, TArgs args, CancellationToken cancellationToken)
    {
        Envelope<T>? stored;
        try
        {
            stored = (await read.ConfigureAwait(false)).OrNull();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return await StoreDown(key, args, e, cancellationToken).ConfigureAwait(false);
        }

        return await Interpret(Decide.Read(_clock.NowMs(), stored, Policy), key, args, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<T> Interpret(Effect<T> effect, string key, TArgs args, CancellationToken cancellationToken)
    {
        Count(effect.Status, key);
        switch (effect)
        {
            case Effect<T>.Return r:
                return new ValueTask<T>(r.Value.IfNoneUnsafe(Empty)!);
            case Effect<T>.ReturnAndEnqueue e:
                // Claiming and enqueueing do not hold the caller up; a failure there is logged, never thrown.
                _ = ClaimAndEnqueueAsync(key, args, e.Claim);
                return new ValueTask<T>(e.Value.IfNoneUnsafe(Empty)!);
            case Effect<T>.FetchSync f:
                return FetchShared(key, args, f.ExpectedVersion, cancellationToken);
            default:
                throw new InvalidOperationException("Effect is a closed union.");
        }
    }

    private ValueTask<T> StoreDown(string key, TArgs args, Exception error, CancellationToken cancellationToken)
    {
        StoreFailed(key, "read", error);
        Count(CacheStatus.Miss, key);
        return FetchShared(key, args, expectedVersion: 0, cancellationToken);
    }

    private ValueTask<T> FetchShared(string key, TArgs args, long expectedVersion, CancellationToken cancellationToken)
    {
        var flight = _flights.Run(key, (Self: this, Key: key, Args: args, Expected: expectedVersion),
            static s => s.Self.FetchAndStoreAsync(s.Key, s.Args, s.Expected));
        return new ValueTask<T>(flight.IsCompleted ? flight : flight.WaitAsync(cancellationToken));
    }

    private async Task<T> FetchAndStoreAsync(string key, TArgs args, long expectedVersion)
    {
        T value;
        try
        {
            value = await FetchTimedAsync(args, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.FetchFailed(_logger, Name, key, e);
            Publish(CacheEventKind.FetchFailed, key, error: e);
            throw;
        }

        try
        {
            await StoreFreshAsync(key, value, expectedVersion, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            StoreFailed(key, "write", e);
        }

        return value;
    }

    private async Task<T> FetchTimedAsync(TArgs args, CancellationToken cancellationToken)
    {
        var started = _clock.TimeProvider.GetTimestamp();
        var value = await _fetch(args, cancellationToken).ConfigureAwait(false);
        var elapsed = _clock.TimeProvider.GetElapsedTime(started);
        CachebackMetrics.FetchDuration.Record(elapsed.TotalSeconds, _tag);
        return value;
    }

    /// <summary>Stores a fetched value: unconditionally when <paramref name="expectedVersion"/> is null, else only over that version.</summary>
    private async Task<RefreshResult> StoreFreshAsync(string key, T value, long? expectedVersion, CancellationToken cancellationToken)
    {
        var now = _clock.NowMs();
        var envelope = Envelope.FromMs(Envelope.NewVersion(), true, value, now, now + Policy.LifetimeMs, 0);
        if (expectedVersion is not { } expected)
        {
            await _store.WriteAsync(key, envelope, Policy.CacheTtl, cancellationToken).ConfigureAwait(false);
            return RefreshResult.Succeeded;
        }

        return await _store.CompareAndSetAsync(key, expected, envelope, Policy.CacheTtl, cancellationToken).ConfigureAwait(false)
            ? RefreshResult.Succeeded
            : RefreshResult.Superseded;
    }
}
