using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;

namespace Cacheback.Tests.Properties;

/// <summary>
/// Probabilistic early refresh (XFetch) and lifetime jitter, with the random draw an input of
/// <see cref="Decide"/>. A probability is measured exactly as the share of a uniform grid of 1,000
/// draws that decide an early refresh.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Arbitraries), typeof(EarlyRefreshProperties) }, MaxTest = 300)]
public class EarlyRefreshProperties
{
    private static readonly double[] Grid = Enumerable.Range(0, 1000).Select(i => i / 1000.0).ToArray();

    public static Arbitrary<Beta> AnyBeta => Gen.Choose(1, 1000).Select(b => new Beta(b / 100.0)).ToArbitrary();

    public static Arbitrary<FetchTime> AnyFetchTime => Gen.Choose(1, 60_000).Select(ms => new FetchTime(ms)).ToArbitrary();

    public static Arbitrary<Draw> AnyDraw => Gen.Choose(0, 999_999).Select(d => new Draw(d / 1_000_000.0)).ToArbitrary();

    public static Arbitrary<Jitter> AnyJitter => Gen.Choose(0, 500).Select(j => new Jitter(j / 1000.0)).ToArbitrary();

    [Property]
    public bool EarlyRefresh_IsNever_ForACheapFetch_OrWithTheRuleOff(Policy policy, Beta beta, FetchTime fetch, Offset offset)
    {
        var stored = Written(policy);
        var now = Epoch + offset % policy.LifetimeMs;
        return Probability(now, stored, Rules(policy, beta, new FetchTime(0))) == 0
            && Probability(now, stored, Rules(policy, new Beta(0), fetch)) == 0;
    }

    [Property]
    public bool EarlyRefresh_Probability_RisesWithAge(Policy policy, Beta beta, FetchTime fetch, Offset a, Offset b)
    {
        var stored = Written(policy);
        var (younger, older) = (Epoch + Math.Min(a % policy.LifetimeMs, b % policy.LifetimeMs), Epoch + Math.Max(a % policy.LifetimeMs, b % policy.LifetimeMs));
        var rules = Rules(policy, beta, fetch);
        return Probability(younger, stored, rules) <= Probability(older, stored, rules);
    }

    [Property]
    public bool EarlyRefresh_Probability_RisesWithFetchTime(Policy policy, Beta beta, FetchTime a, FetchTime b, Offset offset)
    {
        var stored = Written(policy);
        var now = Epoch + offset % policy.LifetimeMs;
        var (cheaper, dearer) = (Math.Min(a.Ms, b.Ms), Math.Max(a.Ms, b.Ms));
        return Probability(now, stored, Rules(policy, beta, new FetchTime(cheaper))) <= Probability(now, stored, Rules(policy, beta, new FetchTime(dearer)));
    }

    [Property]
    public bool EarlyRefresh_Probability_IsXFetchs(Policy policy, Beta beta, FetchTime fetch, Offset offset)
    {
        // XFetch: early when now - fetch * beta * ln(u) >= FreshUntil, u uniform: probability exp(-gap / (fetch * beta)).
        var stored = Written(policy);
        var now = Epoch + offset % policy.LifetimeMs;
        var expected = Math.Exp(-(double)(stored.FreshUntilMs - now) / (fetch.Ms * beta.Value));
        return Math.Abs(Probability(now, stored, Rules(policy, beta, fetch)) - expected) <= 0.0015;
    }

    [Property]
    public bool EarlyRefresh_ServesTheFreshValueAsAHit_AndClaimsOnlyOutsideALease(Policy policy, Beta beta, FetchTime fetch, Offset offset, Draw draw)
    {
        var now = Epoch + offset % policy.LifetimeMs;
        var rules = Rules(policy, beta, fetch);
        var unleased = Written(policy, version: 3);
        var leased = Envelope.FromMs(4, true, "v", Epoch, Epoch + policy.LifetimeMs, now + 1);
        var early = Decide.HeadStartMs(beta.Value, fetch.Ms, draw.Value) + now >= unleased.FreshUntilMs;
        return Ask.Read(now, unleased, rules, draw.Value) switch
        {
            Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Hit, Value: "v" } e =>
                early && e.Claim.ExpectedVersion == 3 && e.Claim.LeaseUntil.ToUnixTimeMilliseconds() == now + policy.RefreshTimeoutMs,
            Effect<string>.Return { Status: CacheStatus.Hit, Value: "v" } => !early,
            _ => false,
        } && Ask.Read(now, leased, rules, draw.Value) is Effect<string>.Return { Status: CacheStatus.Hit, Value: "v" };
    }

    [Property]
    public bool EarlyRefresh_StillOneClaimPerLeaseWindow(Policy policy, Beta beta, FetchTime fetch, Steps steps, Offsets draws)
    {
        // Readers through the fresh and the stale window, each with its own draw; every won claim
        // is a lease the next reads must respect.
        var rules = Rules(policy, beta, fetch);
        var stored = Written(policy);
        var now = Epoch;
        long? leaseEnds = null;
        for (var i = 0; i < steps.Count; i++)
        {
            if (now >= stored.FetchedAtMs + policy.CacheTtlMs || now - stored.FetchedAtMs > policy.FetchOnStaleThresholdMs)
                break;
            var draw = draws.Count == 0 ? 0 : draws[i % draws.Count] % 1000 / 1000.0;
            if (Ask.Read(now, stored, rules, draw) is Effect<string>.ReturnAndEnqueue e)
            {
                if (leaseEnds is { } end && now < end)
                    return false;
                stored = e.Claim.ToEnvelope(Envelope.NewVersion());
                leaseEnds = e.Claim.LeaseUntil.ToUnixTimeMilliseconds();
            }

            now += steps[i] / 10;
        }

        return true;
    }

    [Property]
    public bool Jitter_ShortensFreshness_WithinItsBound_AndNeverLengthensIt(Policy policy, Jitter jitter, Draw draw, Moment now)
    {
        var rules = policy.With(lifetimeJitter: jitter.Value).Rules;
        var freshFor = Ask.Write(now, "v", 1, null, rules, draw.Value).Envelope.FreshUntilMs - now;
        var unjittered = Ask.Write(now, "v", 1, null, rules, 0).Envelope.FreshUntilMs - now;
        return unjittered == policy.LifetimeMs
            && freshFor <= policy.LifetimeMs
            && freshFor >= policy.LifetimeMs - (long)Math.Ceiling(policy.LifetimeMs * jitter.Value)
            && (jitter.Value > 0 || freshFor == policy.LifetimeMs);
    }

    [Property]
    public bool Jitter_AppliesToAHooksExpiryToo_InsideNowAndTheTtl(Policy policy, Jitter jitter, Draw draw, Moment now, Offset expiry)
    {
        var hookSays = now + expiry % (2 * policy.CacheTtlMs);
        var rules = policy.With(lifetimeJitter: jitter.Value).Rules with { ExpiryMs = hookSays };
        var freshFor = Ask.Write(now, "v", 1, null, rules, draw.Value).Envelope.FreshUntilMs - now;
        var bound = Math.Min(hookSays - now, policy.CacheTtlMs);
        return freshFor <= bound && freshFor >= bound - (long)Math.Ceiling(bound * jitter.Value);
    }

    private static Rules Rules(Policy policy, Beta beta, FetchTime fetch) =>
        policy.With(earlyRefreshBeta: beta.Value).Rules with { FetchMs = fetch.Ms };

    private static double Probability(long now, Envelope<string> stored, Rules rules) =>
        Grid.Count(d => Ask.Read(now, stored, rules, d) is Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Hit }) / (double)Grid.Length;

    /// <summary>The early-refresh weight: 0.01 to 10.</summary>
    public readonly record struct Beta(double Value);

    /// <summary>A measured fetch time: 1 ms to 60 s.</summary>
    public readonly record struct FetchTime(long Ms);

    /// <summary>A uniform draw in [0, 1).</summary>
    public readonly record struct Draw(double Value);

    /// <summary>A lifetime jitter fraction: 0 to 0.5.</summary>
    public readonly record struct Jitter(double Value);
}
