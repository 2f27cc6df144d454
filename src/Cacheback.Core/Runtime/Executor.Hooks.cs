namespace Cacheback;

/// <summary>A job's per-call hooks, applied to what the policy decided.</summary>
internal sealed partial class Executor<TArgs, T>
{
    private Policy? _withFetchOnMiss;
    private Policy? _withoutFetchOnMiss;
    private Policy? _withoutStaleThreshold;

    /// <summary>
    /// Re-decides where a hook disagrees with the policy: the decision stays the pure function of
    /// (now, envelope, policy), with the policy the hook implies for this call.
    /// </summary>
    private Effect<T> Refine(Effect<T> effect, Envelope<T>? stored, TArgs args, long nowMs)
    {
        var hooks = _hooks!;
        if (effect.Status == CacheStatus.Miss)
        {
            var fetchOnMiss = hooks.ShouldFetchOnMiss(args);
            if (fetchOnMiss != Policy.FetchOnMiss)
                effect = Decide.Read(nowMs, stored, fetchOnMiss
                    ? _withFetchOnMiss ??= Policy.With(fetchOnMiss: true)
                    : _withoutFetchOnMiss ??= Policy.With(fetchOnMiss: false));
        }
        else if (effect.Status == CacheStatus.Stale && stored is not null)
        {
            // How far past its lifetime the data is, by its age (not by FreshUntil, which an
            // invalidation moves): the rule DESIGN sets for "too stale".
            var delta = TimeSpan.FromMilliseconds(nowMs - stored.FetchedAtMs - Policy.LifetimeMs);
            var fetchNow = hooks.ShouldFetchStale(args, delta);
            if (fetchNow && effect is not Effect<T>.FetchSync)
                effect = new Effect<T>.FetchSync(CacheStatus.Stale, stored.Version);
            else if (!fetchNow && effect is Effect<T>.FetchSync)
                effect = Decide.Read(nowMs, stored, _withoutStaleThreshold ??= Policy.WithoutFetchOnStaleThreshold());
        }

        if (effect is Effect<T>.ReturnAndEnqueue enqueue)
        {
            var leaseUntil = DateTimeOffset.FromUnixTimeMilliseconds(LeaseUntilMs(args, nowMs));
            if (leaseUntil != enqueue.Claim.LeaseUntil)
                effect = enqueue with { Claim = enqueue.Claim with { LeaseUntil = leaseUntil } };
        }

        return effect;
    }

    /// <summary>Until when a refresh triggered at <paramref name="nowMs"/> holds its lease; a hook's answer is clamped like an expiry (see <see cref="EnvelopeTime.FromHook"/>).</summary>
    private long LeaseUntilMs(TArgs args, long nowMs) =>
        _hooks is null
            ? EnvelopeTime.Add(nowMs, Policy.RefreshTimeoutMs)
            : EnvelopeTime.FromHook(_hooks.Timeout(args, DateTimeOffset.FromUnixTimeMilliseconds(nowMs)), nowMs, Policy.CacheTtlMs);
}
