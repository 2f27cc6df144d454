using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// Stores a freshly fetched (or set) value as <see cref="Decide"/> says (<see cref="Command{T}.Write"/>
/// → <see cref="Effect{T}.Store"/>, asked of <see cref="Decide.Store{T}"/>): unconditionally, or only over the version a fetch started from, so that a newer write wins.
/// </summary>
internal sealed class FreshWrites<TArgs, T>(IEnvelopeStore<T> store, Clock clock, CallRules<TArgs> rules, Random random)
{
    private readonly bool _jitter = rules.Policy.LifetimeJitter > 0;

    /// <summary>
    /// Stores <paramref name="value"/>: unconditionally when <paramref name="expectedVersion"/> is null, else
    /// only over that version; a tagged job's value with <paramref name="stamp"/>, its tags' stamp read before the fetch.
    /// </summary>
    public ValueTask<RefreshResult> StoreAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken)
    {
        var storing = StoreCheckedAsync(key, args, value, expectedVersion, stamp, cancellationToken);
        return storing.IsCompletedSuccessfully ? new(storing.Result.Result) : ResultOf(storing);
    }

    /// <summary><see cref="StoreAsync"/>, also giving the envelope written, for a read-back to compare. A store that answers at once costs no await.</summary>
    public ValueTask<(RefreshResult Result, Envelope<T> Written)> StoreCheckedAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken)
    {
        var now = clock.NowMs();
        // The write's rule without the command and effect objects: every miss lands here (see Decide.Store).
        var write = Decide.Store(now, value, Envelope.NewVersion(), expectedVersion, _jitter ? random.NextDouble() : 0, stamp, rules.Write(args, now));
        if (write.ExpectedVersion is not { } expected)
        {
            var writing = store.WriteAsync(key, write.Envelope, write.Ttl, cancellationToken);
            return writing.IsCompletedSuccessfully ? new((RefreshResult.Succeeded, write.Envelope)) : WrittenAsync(writing, write.Envelope);
        }

        var setting = store.CompareAndSetAsync(key, expected, write.Envelope, write.Ttl, cancellationToken);
        return setting.IsCompletedSuccessfully ? new((Result(setting.Result), write.Envelope)) : SetAsync(setting, write.Envelope);
    }

    private static RefreshResult Result(bool stored) => stored ? RefreshResult.Succeeded : RefreshResult.Superseded;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<RefreshResult> ResultOf(ValueTask<(RefreshResult Result, Envelope<T> Written)> storing) =>
        (await storing.ConfigureAwait(false)).Result;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(RefreshResult Result, Envelope<T> Written)> WrittenAsync(ValueTask writing, Envelope<T> written)
    {
        await writing.ConfigureAwait(false);
        return (RefreshResult.Succeeded, written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(RefreshResult Result, Envelope<T> Written)> SetAsync(ValueTask<bool> setting, Envelope<T> written) =>
        (Result(await setting.ConfigureAwait(false)), written);
}
