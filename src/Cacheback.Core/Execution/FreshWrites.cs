using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// Stores a freshly fetched (or set) value as <see cref="Decide.Write{T}"/> says: unconditionally,
/// or only over the version a fetch started from, so that a newer write wins.
/// </summary>
internal sealed class FreshWrites<TArgs, T>(IEnvelopeStore<T> store, Clock clock, CallRules<TArgs> rules, Random random)
{
    private readonly bool _jitter = rules.Policy.LifetimeJitter > 0;

    /// <summary>
    /// Stores <paramref name="value"/>: unconditionally when <paramref name="expectedVersion"/> is null, else
    /// only over that version; a tagged job's value with <paramref name="stamp"/>, its tags' stamp read before the fetch.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RefreshResult> StoreAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken) =>
        (await StoreCheckedAsync(key, args, value, expectedVersion, stamp, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary><see cref="StoreAsync"/>, also giving the envelope written, for a read-back to compare.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(RefreshResult Result, Envelope<T> Written)> StoreCheckedAsync(string key, TArgs args, T value, long? expectedVersion, TagStamp? stamp, CancellationToken cancellationToken)
    {
        var now = clock.NowMs();
        var write = Decide.Write(now, value, Envelope.NewVersion(), expectedVersion, rules.Write(args, now), _jitter ? random.NextDouble() : 0, stamp);
        if (write.ExpectedVersion is not { } expected)
        {
            await store.WriteAsync(key, write.Envelope, write.Ttl, cancellationToken).ConfigureAwait(false);
            return (RefreshResult.Succeeded, write.Envelope);
        }

        var stored = await store.CompareAndSetAsync(key, expected, write.Envelope, write.Ttl, cancellationToken).ConfigureAwait(false);
        return (stored ? RefreshResult.Succeeded : RefreshResult.Superseded, write.Envelope);
    }
}
