using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;

namespace Cacheback.Tests.Properties;

/// <summary>
/// A job's hooks reach <see cref="Decide"/> as answers in its <see cref="Rules"/> (resolved once per
/// call by the executor): each answer replaces the policy's threshold it overrides, and every time a
/// hook gives is brought inside [now, now + TTL] by Decide alone.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Arbitraries), typeof(DecideHookProperties) }, MaxTest = 1000)]
public class DecideHookProperties
{
    /// <summary>What the hooks of one call may answer: any of them, or none.</summary>
    public static Arbitrary<HookAnswers> AnyHookAnswers =>
        (from fetchOnMiss in Gen.Elements<bool?>(null, true, false)
         from fetchStale in Gen.Elements<bool?>(null, true, false)
         from expiry in Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Gen.Choose(-2_000_000, 4_000_000).Select(ms => (long?)(Epoch + ms))))
         from lease in Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Gen.Choose(-2_000_000, 4_000_000).Select(ms => (long?)(Epoch + ms))))
         select new HookAnswers(fetchOnMiss, fetchStale, expiry, lease)).ToArbitrary();

    [Property]
    public bool Classify_IsTheStatusReadDecides_AndAHitExactlyWhenIsHit(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var status = Decide.Classify(now, stored, rules.CacheTtlMs);
        var effect = Ask.Read(now, stored, rules);
        return status == effect.Status
            && (status == CacheStatus.Hit) == Decide.IsHit(now, stored, rules.CacheTtlMs)
            && (status != CacheStatus.Hit || effect is Effect<string>.Return { Value: var v } && v == stored.RawValue);
    }

    [Property]
    public bool StaleHook_ReplacesTheThreshold(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var effect = Ask.Read(now, stored, rules);
        if (effect.Status != CacheStatus.Stale)
            return true;
        var tooOld = now - stored.FetchedAtMs > policy.FetchOnStaleThresholdMs;
        return effect is Effect<string>.FetchSync == (hooks.FetchStale ?? tooOld);
    }

    /// <summary>
    /// The public default rules (what <c>Job</c>'s hooks answer when not overridden, and a definition
    /// without hooks) are the rules <see cref="Decide"/> applies without hooks: a job whose hooks
    /// answer them reads and writes exactly as one with no hooks.
    /// </summary>
    [Property]
    public bool DefaultHooks_AnswerWhatDecideDoesWithoutHooks(Moment now, Envelope<string> stored, Policy policy)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now);
        var defaults = new HookAnswers(
            policy.FetchOnMiss,
            Decide.DefaultFetchStale(Decide.PastLifetime(now, stored, policy.Rules), policy),
            Decide.DefaultExpiry(at, policy).ToUnixTimeMilliseconds(),
            Decide.DefaultTimeout(at, policy).ToUnixTimeMilliseconds());
        var hooked = defaults.Apply(policy.Rules);
        return Ask.Read(now, stored, hooked).Equals(Ask.Read(now, stored, policy.Rules))
            && Ask.Write(now, "v", 7, null, hooked).Equals(Ask.Write(now, "v", 7, null, policy.Rules));
    }

    [Property]
    public bool MissHook_DecidesWhetherAMissFetches(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var effect = Ask.Read(now, stored, rules);
        return effect.Status != CacheStatus.Miss || effect is Effect<string>.FetchSync == (hooks.FetchOnMiss ?? policy.FetchOnMiss);
    }

    [Property]
    public bool TimeoutHook_SetsEveryLease_InsideNowAndTheTtl(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var expected = hooks.LeaseUntil is { } hook
            ? Math.Clamp(hook, now.Ms, now.Ms + policy.CacheTtlMs)
            : now.Ms + policy.RefreshTimeoutMs;
        var claims = new[]
        {
            (Ask.Read(now, stored, rules) as Effect<string>.ReturnAndEnqueue)?.Claim,
            Ask.Lease(now, stored, rules, markStale: true),
            Ask.Lease(now, stored, rules, markStale: false),
        };
        return claims.All(c => c is null || c.LeaseUntil.ToUnixTimeMilliseconds() == expected);
    }

    [Property]
    public bool ExpiryHook_SetsFreshUntil_InsideNowAndTheTtl(Moment now, Policy policy, HookAnswers hooks, bool conditional)
    {
        var rules = hooks.Apply(policy.Rules);
        var write = Ask.Write(now, "v", 5, conditional ? 3 : null, rules);
        var freshUntil = hooks.Expiry is { } hook ? Math.Clamp(hook, now.Ms, now.Ms + policy.CacheTtlMs) : now.Ms + policy.LifetimeMs;
        return write.Envelope is { Version: 5, HasValue: true, Value: "v", LeaseUntilMs: 0 } e
            && e.FetchedAtMs == now.Ms && e.FreshUntilMs == freshUntil
            && write.Ttl == TimeSpan.FromMilliseconds(policy.CacheTtlMs)
            && write.ExpectedVersion == (conditional ? 3 : null);
    }

    [Property]
    public bool Invalidate_LeasesWhatIsStored_StaleFromNow_AndNothingWhenAbsent(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var claim = Ask.Lease(now, stored, rules, markStale: true);
        var kept = Ask.Lease(now, stored, rules, markStale: false);
        var leased = claim!.ToEnvelope(9);
        return Ask.Lease<string>(now, null, rules, markStale: true) is null
            && claim.ExpectedVersion == stored.Version && kept!.ExpectedVersion == stored.Version
            && leased.FetchedAtMs == stored.FetchedAtMs && leased.RawValue == stored.RawValue && leased.HasValue == stored.HasValue
            && leased.FreshUntilMs == Math.Min(stored.FreshUntilMs, now.Ms)
            && kept.ToEnvelope(9).FreshUntilMs == stored.FreshUntilMs
            && !Decide.IsHit(now, leased, rules.CacheTtlMs)
            && claim.Ttl == TimeSpan.FromMilliseconds(Math.Clamp(stored.FetchedAtMs + policy.CacheTtlMs - now, 1, policy.CacheTtlMs));
    }

    [Property]
    public bool StoreUnavailable_FetchesWithoutWritingBack() =>
        Ask.StoreUnavailable<string>() is Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 0, WriteBack: false };

    /// <summary>The hooks' answers for one call; null where the job has no such hook (or did not override it).</summary>
    public sealed record HookAnswers(bool? FetchOnMiss, bool? FetchStale, long? Expiry, long? LeaseUntil)
    {
        internal Rules Apply(Rules rules) => rules with
        {
            FetchOnMiss = FetchOnMiss ?? rules.FetchOnMiss,
            FetchStale = FetchStale,
            ExpiryMs = Expiry,
            LeaseUntilMs = LeaseUntil,
        };
    }
}
