using Cacheback.Hybrid;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cacheback.Tests.Hybrid.Rules;

/// <summary>
/// HybridCache's inlined hit check is the rule <see cref="Decide"/> states: over random moments,
/// envelopes (odd ones too: fresh past their TTL, fresh-until before fetched-at) and calls' TTLs
/// (expirations, <see cref="CachebackHybridCacheOptions.StaleFor"/>, the tag retention that clamps
/// it), the hot path's answer is <see cref="Decide.IsHit{T}(long, Envelope{T}, long, long)"/> under
/// the call's policy, and a hit exactly when the slow path's <c>Decide.Read</c> would serve one.
/// Each history asks one rules instance in turn, as calls do, so the policy it keeps for the hit
/// path is checked when the expiration changes from call to call.
/// </summary>
public class HybridHitRuleProperties
{
    private const long Epoch = 1_800_000_000_000;

    public sealed record Setting(TimeSpan StaleFor, TimeSpan TagRetention, TimeSpan? DefaultExpiration);

    /// <summary>A call: its expiration (none: the default's), its moment, and what the store holds (HybridEntry is internal: its fields).</summary>
    public sealed record Call(TimeSpan? Expiration, long NowMs, bool HasValue, long FetchedAtMs, long FreshUntilMs)
    {
        internal Envelope<HybridEntry> Stored => Envelope.FromMs(1, HasValue, default(HybridEntry)!, FetchedAtMs, FreshUntilMs, 0);

        public override string ToString() =>
            $"expiration {Expiration?.TotalMilliseconds.ToString() ?? "none"} ms, now {NowMs - Epoch}, stored (value {HasValue}, fetched {FetchedAtMs - Epoch}, fresh until {FreshUntilMs - Epoch})";
    }

    private static Gen<TimeSpan> Ms(int min, int max) => Gen.Choose(min, max).Select(ms => TimeSpan.FromMilliseconds(ms));

    private static Gen<TimeSpan?> Expirations =>
        Gen.Frequency((1, Gen.Constant((TimeSpan?)null)), (3, Gen.Elements(1, 10, 1_000, 60_000, 300_000).Select(ms => (TimeSpan?)TimeSpan.FromMilliseconds(ms))), (2, Ms(1, 400_000).Select(t => (TimeSpan?)t)));

    private static Gen<Call> Calls =>
        from expiration in Expirations
        from hasValue in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
        from fetched in Gen.Choose(0, 1_000_000).Select(f => Epoch + f)
        from freshUntil in Gen.Choose(-1_000, 700_000).Select(f => fetched + f)
        from now in Gen.Frequency(
            (2, Gen.Choose(-1_000, 2_000_000).Select(t => Epoch + t)),
            // Near the envelope's edges, where a wrong clause shows.
            (3, Gen.Choose(-2, 2).SelectMany(d => Gen.Elements(freshUntil + d, fetched + d, fetched + (long)(expiration ?? TimeSpan.FromMinutes(5)).TotalMilliseconds + d))))
        select new Call(expiration, now, hasValue, fetched, freshUntil);

    public static Arbitrary<(Setting Setting, List<Call> Calls)> Histories =>
        (from staleFor in Gen.Frequency((1, Gen.Constant(TimeSpan.Zero)), (3, Ms(0, 400_000)))
         from retention in Gen.Frequency((3, Gen.Constant(TimeSpan.FromDays(30))), (1, Ms(1_000, 500_000)))
         from defaultExpiration in Gen.Frequency((2, Gen.Constant((TimeSpan?)null)), (1, Ms(1, 400_000).Select(t => (TimeSpan?)t)))
         from calls in Gen.ListOf(Calls, 20)
         select (new Setting(staleFor, retention, defaultExpiration), calls.ToList())).ToArbitrary();

    [Property(Arbitrary = new[] { typeof(HybridHitRuleProperties) }, MaxTest = 1000)]
    public bool HitCheck_IsDecidesHitRule_UnderTheCallsPolicy((Setting Setting, List<Call> Calls) history)
    {
        var (setting, calls) = history;
        var options = new CachebackHybridCacheOptions
        {
            StaleFor = setting.StaleFor,
            TagRetention = setting.TagRetention,
            DefaultEntryOptions = setting.DefaultExpiration is { } d ? new HybridCacheEntryOptions { Expiration = d } : null,
        };
        var rules = new HybridCallRules(options, sharedStore: false, NullLogger.Instance);
        foreach (var call in calls)
        {
            var entryOptions = call.Expiration is { } e ? new HybridCacheEntryOptions { Expiration = e } : null;
            var policy = rules.PolicyOf(entryOptions);
            var stored = call.Stored;
            var hit = rules.IsHit(call.NowMs, stored, entryOptions);
            var decided = Decide.Next(Command<HybridEntry>.Read.Plain, call.NowMs, stored, policy.Rules) is Effect<HybridEntry>.Return { Status: CacheStatus.Hit };
            if (hit != Decide.IsHit(call.NowMs, stored, policy.CacheTtlMs) || hit != decided)
                throw new InvalidOperationException($"The hit check said {hit}, Decide {decided} (TTL {policy.CacheTtl}) for {call}.");
        }

        return true;
    }
}
