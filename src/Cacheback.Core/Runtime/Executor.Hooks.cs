namespace Cacheback;

/// <summary>A job's per-call hooks, resolved into the <see cref="Rules"/> of one call.</summary>
internal sealed partial class Executor<TArgs, T>
{
    /// <summary>
    /// The rules of a read at <paramref name="nowMs"/> that found <paramref name="stored"/>: the
    /// policy's, with the hooks' answers folded in. A hook is asked only where the read needs it
    /// (the miss hook on a miss, the stale hook on stale data), as django-cacheback asks them.
    /// </summary>
    private Rules ReadRules(TArgs args, long nowMs, Envelope<T>? stored, long fetchMs)
    {
        var rules = fetchMs == 0 ? _rules : _rules with { FetchMs = fetchMs };
        if (_hooks is not { } hooks)
            return rules;
        return Decide.Classify(nowMs, stored, rules.CacheTtlMs) switch
        {
            CacheStatus.Miss => rules with { FetchOnMiss = hooks.ShouldFetchOnMiss(args), LeaseUntilMs = LeaseHook(hooks, args, nowMs) },
            CacheStatus.Stale => rules with
            {
                FetchStale = hooks.ShouldFetchStale(args, Decide.PastLifetime(nowMs, stored!, rules)),
                LeaseUntilMs = LeaseHook(hooks, args, nowMs),
            },
            // Fresh, yet not a hit: an early refresh, which may claim.
            _ => rules with { LeaseUntilMs = LeaseHook(hooks, args, nowMs) },
        };
    }

    /// <summary>The rules of a lease taken at <paramref name="nowMs"/> (invalidate, a requested refresh).</summary>
    private Rules LeaseRules(TArgs args, long nowMs) =>
        _hooks is { } hooks ? _rules with { LeaseUntilMs = LeaseHook(hooks, args, nowMs) } : _rules;

    /// <summary>The rules of a write at <paramref name="nowMs"/> (a set, a fetch landing).</summary>
    private Rules WriteRules(TArgs args, long nowMs) =>
        _hooks is { } hooks ? _rules with { ExpiryMs = hooks.Expiry(args, DateTimeOffset.FromUnixTimeMilliseconds(nowMs)).ToUnixTimeMilliseconds() } : _rules;

    private static long LeaseHook(IJobHooks<TArgs> hooks, TArgs args, long nowMs) =>
        hooks.Timeout(args, DateTimeOffset.FromUnixTimeMilliseconds(nowMs)).ToUnixTimeMilliseconds();
}
