using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;
using HookAnswers = Cacheback.Tests.Properties.DecideHookProperties.HookAnswers;

namespace Cacheback.Tests.Properties;

/// <summary>
/// <see cref="Decide.Next{T}"/> for every command besides a read: invalidate, a requested refresh, a
/// queued refresh, a write, a raw get, a write read back, the store or the tags' book unavailable;
/// and for a read, that it is the read the hot path's <see cref="Decide.IsHit{T}(long, Envelope{T}, long, long)"/> states.
/// Moments are drawn around each rule's boundary, so that a boundary moved by one millisecond fails.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Arbitraries), typeof(DecideCommandProperties) }, MaxTest = 1000)]
public class DecideCommandProperties
{
    public static Arbitrary<Near> AnyNear => Gen.Choose(-3, 3).Select(d => new Near(d)).ToArbitrary();

    public static Arbitrary<Unit> AnyUnit => Gen.Choose(0, 1000).Select(d => new Unit(d / 1000.0)).ToArbitrary();

    public static Arbitrary<Verdict> AnyVerdict => Gen.Choose(0, 2).Select(v => new Verdict(v)).ToArbitrary();

    private static Effect<string> Next(Command<string> command, long now, Envelope<string>? stored, Rules rules) =>
        Decide.Next(command, now, stored, rules);

    [Property]
    public bool Invalidate_OfAnAbsentKey_DoesNothing(Moment now, Policy policy, HookAnswers hooks) =>
        Next(Command<string>.Invalidate.Instance, now, null, hooks.Apply(policy.Rules)) is Effect<string>.Nothing;

    [Property]
    public bool Invalidate_OfAPresentKey_LeasesItStale_InsideNowAndTheTtl(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        if (Next(Command<string>.Invalidate.Instance, now, stored, rules) is not Effect<string>.Lease { Claim: var claim })
            return false;
        var leaseUntil = claim.LeaseUntil.ToUnixTimeMilliseconds();
        var leased = claim.ToEnvelope(42);
        return claim.ExpectedVersion == stored.Version
            && leaseUntil >= now && leaseUntil <= now + policy.CacheTtlMs
            && (hooks.LeaseUntil is not null || leaseUntil == now + policy.RefreshTimeoutMs)
            && claim.Ttl >= TimeSpan.FromMilliseconds(1) && claim.Ttl <= policy.CacheTtl
            && leased.Version == 42 && leased.LeaseUntilMs == leaseUntil
            && leased.FreshUntilMs == Math.Min(stored.FreshUntilMs, now)
            && leased.FetchedAtMs == stored.FetchedAtMs && leased.RawValue == stored.RawValue
            && !Decide.IsHit(now, leased, policy.CacheTtlMs);
    }

    [Property]
    public bool RequestedRefresh_OfAnAbsentKey_RefreshesOverNothing(Moment now, Policy policy, HookAnswers hooks) =>
        Next(Command<string>.RequestRefresh.Instance, now, null, hooks.Apply(policy.Rules)) is Effect<string>.RefreshOver { ExpectedVersion: 0 };

    [Property]
    public bool RequestedRefresh_OfAPresentKey_LeasesItAsItIs(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var rules = hooks.Apply(policy.Rules);
        var invalidated = Next(Command<string>.Invalidate.Instance, now, stored, rules) as Effect<string>.Lease;
        return Next(Command<string>.RequestRefresh.Instance, now, stored, rules) is Effect<string>.Lease { Claim: var claim }
            && claim.ExpectedVersion == stored.Version
            && claim.ToEnvelope(42).Equals(stored.WithLease(42, claim.LeaseUntil))
            // The same lease as an invalidation's, only not marked stale.
            && claim.LeaseUntil == invalidated!.Claim.LeaseUntil && claim.Ttl == invalidated.Claim.Ttl;
    }

    [Property]
    public bool Lease_KeepsTheItem_ForWhatIsLeftOfItsTtl(Moment now, Near near, Policy policy)
    {
        // Fetched so that what is left of the TTL is near 1 ms and near the whole TTL.
        var shortly = Envelope.FromMs(5, true, "v", now - policy.CacheTtlMs + 1 + near.Ms, now, 0);
        var justNow = Envelope.FromMs(6, true, "v", now + near.Ms, now, 0);
        var left = Math.Clamp(1 + near.Ms, 1, policy.CacheTtlMs);
        var whole = Math.Clamp(policy.CacheTtlMs + near.Ms, 1, policy.CacheTtlMs);
        return Next(Command<string>.Invalidate.Instance, now, shortly, policy.Rules) is Effect<string>.Lease { Claim: var a }
            && a.Ttl == TimeSpan.FromMilliseconds(left)
            && Next(Command<string>.RequestRefresh.Instance, now, justNow, policy.Rules) is Effect<string>.Lease { Claim: var b }
            && b.Ttl == TimeSpan.FromMilliseconds(whole);
    }

    [Property]
    public bool QueuedRefresh_IsSkipped_IffItsVersionIsNotTheStoredOne(Moment now, Envelope<string> stored, Near near, bool absent, Policy policy)
    {
        var found = absent ? null : stored;
        var version = found?.Version ?? 0;
        var expected = Math.Max(0, version + near.Ms);
        var effect = Next(new Command<string>.RunRefresh(expected), now, found, policy.Rules);
        return expected == version
            ? effect is Effect<string>.RefreshOver over && over.ExpectedVersion == expected
            : effect is Effect<string>.Superseded;
    }

    [Property]
    public bool RefreshNow_LandsOverWhatIsStoredWhenItStarts_OrOverNothing(Moment now, Envelope<string> stored, bool absent, Policy policy)
    {
        var found = absent ? null : stored;
        return Next(Command<string>.RefreshNow.Instance, now, found, policy.Rules) is Effect<string>.RefreshOver over
            && over.ExpectedVersion == (absent ? 0 : stored.Version);
    }

    [Property]
    public bool Write_IsFreshNoLongerThanItsLifetime_NorTheTtl_AndKeptForTheTtl(Moment now, Policy policy, HookAnswers hooks, Unit draw, Unit jitter, bool conditional)
    {
        var rules = hooks.Apply(policy.Rules) with { LifetimeJitter = jitter.Value / 2 };
        var stamp = new TagStamp(3, 4);
        var command = new Command<string>.Write("v", 17, conditional ? 16 : null, draw.Value, stamp);
        if (Next(command, now, null, rules) is not Effect<string>.Store { Envelope: var e } store)
            return false;
        var freshFor = e.FreshUntilMs - now;
        var longest = hooks.Expiry is { } hook ? Math.Clamp(hook, now, now + policy.CacheTtlMs) - now : policy.LifetimeMs;
        return freshFor >= 0 && freshFor <= longest && freshFor <= policy.CacheTtlMs
            && freshFor >= longest - (long)Math.Ceiling(longest * rules.LifetimeJitter * draw.Value)
            && ((draw.Value > 0 && rules.LifetimeJitter > 0) || freshFor == longest)
            && e is { Version: 17, HasValue: true, Value: "v", LeaseUntilMs: 0 } && e.FetchedAtMs == now && e.Tags == stamp
            && store.Ttl == policy.CacheTtl
            && store.ExpectedVersion == (conditional ? 16 : null);
    }

    [Property]
    public bool Store_TheWritesFastPath_IsNextsWrite(Moment now, Policy policy, HookAnswers hooks, Unit draw, Unit jitter, bool conditional, bool tagged)
    {
        // A job's fetch lands through Decide.Store, without the command and effect objects: the same rule.
        var rules = hooks.Apply(policy.Rules) with { LifetimeJitter = jitter.Value / 2 };
        TagStamp? stamp = tagged ? new TagStamp(3, 4) : null;
        long? expected = conditional ? 16 : null;
        var fast = Decide.Store(now, "v", 17, expected, draw.Value, stamp, rules);
        return Next(new Command<string>.Write("v", 17, expected, draw.Value, stamp), now, null, rules) is Effect<string>.Store store
            && store.Envelope.Equals(fast.Envelope) && store.Ttl == fast.Ttl && store.ExpectedVersion == fast.ExpectedVersion;
    }

    [Property]
    public bool Write_DoesNotDependOnWhatIsStored(Moment now, Envelope<string> stored, Policy policy)
    {
        var command = new Command<string>.Write("v", 17, null);
        return Next(command, now, stored, policy.Rules) == Next(command, now, null, policy.Rules);
    }

    [Property]
    public bool RawGet_IsWhatTheTtlKeeps_UntilItsLastMillisecond(Envelope<string> stored, Near near, Policy policy)
    {
        var now = stored.FetchedAtMs + policy.CacheTtlMs + near.Ms;
        var present = Next(Command<string>.RawGet.Instance, now, stored, policy.Rules) as Effect<string>.Present;
        var absent = Next(Command<string>.RawGet.Instance, now, null, policy.Rules) as Effect<string>.Present;
        return present is not null && absent is { Envelope: null }
            && (near.Ms < 0 ? ReferenceEquals(present.Envelope, stored) : present.Envelope is null);
    }

    [Property]
    public bool Verify_SaysLost_WhenNothing_OrOlderDataOfAnotherVersion_IsThere(Moment now, Near near, bool sameVersion, bool absent, Policy policy)
    {
        var written = Envelope.FromMs(10, true, "ours", now, now + 1_000, 0);
        var found = absent ? null : Envelope.FromMs(sameVersion ? 10 : 11, true, "found", now + near.Ms, now + 1_000, 0);
        var effect = Next(new Command<string>.Verify(written), now, found, policy.Rules);
        var lost = absent || (!sameVersion && near.Ms < 0);
        return lost
            ? effect is Effect<string>.WriteLost l && ReferenceEquals(l.Found, found)
            : effect is Effect<string>.Verified;
    }

    [Property]
    public bool StoreOrTagsUnavailable_FetchWithoutWritingBack(Moment now, Envelope<string> stored, Policy policy, Near near, bool stale)
    {
        var status = stale ? CacheStatus.Stale : CacheStatus.Miss;
        var version = Math.Max(0, stored.Version + near.Ms);
        return Next(Command<string>.StoreUnavailable.Instance, now, stored, policy.Rules) is Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 0, WriteBack: false }
            && Next(new Command<string>.TagsUnavailable(status, version), now, stored, policy.Rules) is Effect<string>.FetchSync { WriteBack: false } f
            && f.Status == status && f.ExpectedVersion == version;
    }

    [Property]
    public bool Read_IsTheHotPathsHit_WhateverTheDraw(Moment now, Envelope<string> stored, Policy policy, Unit draw, Unit beta, Near fetch)
    {
        // The executor's hot path: IsHit with the head start of the draw; past it, Next. Every hot hit is
        // Next's hit; the only other hit Next serves is a fresh item inside its head start whose refresh
        // holds the lease (served, nothing claimed).
        var rules = policy.Rules with { EarlyRefreshBeta = beta.Value * 2, FetchMs = 1_000 + (fetch.Ms * 100) };
        var headStart = Decide.HeadStartMs(rules.EarlyRefreshBeta, rules.FetchMs, draw.Value);
        var effect = Next(Command<string>.Read.Of(draw.Value, TagVerdict.Valid), now, stored, rules);
        var servedHit = effect is Effect<string>.Return { Status: CacheStatus.Hit };
        return Decide.IsHit(now, stored, rules.CacheTtlMs, headStart)
            ? servedHit
            : servedHit == (Decide.IsHit(now, stored, rules.CacheTtlMs) && now < stored.LeaseUntilMs);
    }

    [Property]
    public bool Read_AsksOnlyTheDrawAndTheVerdict(Moment now, Envelope<string> stored, Policy policy, Unit draw, Verdict verdict)
    {
        var tags = verdict.Value;
        var rules = policy.Rules with { EarlyRefreshBeta = 1, FetchMs = 5_000 };
        return Next(Command<string>.Read.Of(draw.Value, tags), now, stored, rules) == Next(new Command<string>.Read(draw.Value, tags), now, stored, rules)
            && Next(Command<string>.Read.Plain, now, stored, policy.Rules) == Decide.Read(DateTimeOffset.FromUnixTimeMilliseconds(now), stored, policy);
    }

    [Property]
    public bool FetchAverage_TakesTheFirstSample_ThenMovesAQuarterTowardEach(Offset previous, Offset sample)
    {
        long before = previous % 100_000, ms = sample % 100_000;
        var after = Decide.FetchAverage(before, ms);
        return before == 0
            ? after == ms
            : after == before + ((ms - before) / 4) && Math.Min(before, ms) <= after && after <= Math.Max(before, ms);
    }

    /// <summary>A few milliseconds (or versions) either side of a boundary: -3 to 3.</summary>
    public readonly record struct Near(int Ms);

    /// <summary>What an entry's tags say of it: valid, stale or removed.</summary>
    public readonly record struct Verdict(int Index)
    {
        internal TagVerdict Value => Index switch
        {
            0 => TagVerdict.Valid,
            1 => TagVerdict.Stale,
            _ => TagVerdict.Removed,
        };
    }

    /// <summary>A number in [0, 1], in steps of a thousandth.</summary>
    public readonly record struct Unit(double Value);
}
