namespace Cacheback;

/// <summary>
/// A job's per-call hooks resolved into the <see cref="Rules"/> of one call: the policy's rules,
/// with the hooks' answers folded in. Without hooks, the policy's rules as they are.
/// </summary>
internal sealed class CallRules<TArgs>(Rules rules, IJobHooks<TArgs>? hooks)
{
    /// <summary>The policy's rules, before any hook.</summary>
    public Rules Policy => rules;

    /// <summary>
    /// The rules of a read at <paramref name="nowMs"/> that found <paramref name="stored"/>. A hook is
    /// asked only where the read needs it (the miss hook on a miss, the stale hook on stale data),
    /// as django-cacheback asks them.
    /// </summary>
    public Rules Read<T>(TArgs args, long nowMs, Envelope<T>? stored, long fetchMs)
    {
        var read = fetchMs == 0 ? rules : rules with { FetchMs = fetchMs };
        if (hooks is null)
            return read;
        return Decide.Classify(nowMs, stored, read.CacheTtlMs) switch
        {
            CacheStatus.Miss => read with { FetchOnMiss = hooks.ShouldFetchOnMiss(args), LeaseUntilMs = LeaseHook(args, nowMs) },
            CacheStatus.Stale => read with
            {
                FetchStale = hooks.ShouldFetchStale(args, Decide.PastLifetime(nowMs, stored!, read)),
                LeaseUntilMs = LeaseHook(args, nowMs),
            },
            // Fresh, yet not a hit: an early refresh, which may claim.
            _ => read with { LeaseUntilMs = LeaseHook(args, nowMs) },
        };
    }

    /// <summary>The rules of a lease taken at <paramref name="nowMs"/> (invalidate, a requested refresh).</summary>
    public Rules Lease(TArgs args, long nowMs) =>
        hooks is null ? rules : rules with { LeaseUntilMs = LeaseHook(args, nowMs) };

    /// <summary>The rules of a write at <paramref name="nowMs"/> (a set, a fetch landing).</summary>
    public Rules Write(TArgs args, long nowMs) =>
        hooks is null ? rules : rules with { ExpiryMs = hooks.Expiry(args, DateTimeOffset.FromUnixTimeMilliseconds(nowMs)).ToUnixTimeMilliseconds() };

    private long LeaseHook(TArgs args, long nowMs) =>
        hooks!.Timeout(args, DateTimeOffset.FromUnixTimeMilliseconds(nowMs)).ToUnixTimeMilliseconds();
}
