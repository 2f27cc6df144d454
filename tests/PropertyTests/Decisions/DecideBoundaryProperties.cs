using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;

namespace Cacheback.Tests.Properties;

/// <summary>
/// Each threshold of <see cref="Decide"/> read one millisecond before, exactly at and one millisecond
/// after it, for random policies: which side the threshold itself falls on is pinned here. Random
/// moments almost never land on a threshold, so the properties above would let a <c>&lt;</c> become
/// a <c>&lt;=</c> unnoticed.
/// </summary>
/// <remarks>
/// The sides: fresh while now &lt; FreshUntil; a miss from FetchedAt + CacheTtl on; a lease is held
/// while now &lt; LeaseUntil; too stale once now - FetchedAt &gt; FetchOnStaleThreshold (at it exactly,
/// still served).
/// </remarks>
[Properties(Arbitrary = new[] { typeof(Arbitraries) }, MaxTest = 300)]
public class DecideBoundaryProperties
{
    private static readonly int[] Sides = [-1, 0, 1];

    [Property]
    public bool FreshUntil_IsTheFirstStaleMillisecond(Policy policy)
    {
        var stored = Written(policy);
        return Sides.All(d =>
        {
            var now = stored.FreshUntilMs + d;
            var effect = Ask.Read(now, stored, policy);
            return d < 0
                ? effect is Effect<string>.Return { Status: CacheStatus.Hit, Value: "v" } && Decide.IsHit(now, stored, policy)
                : !Decide.IsHit(now, stored, policy)
                    && (effect is Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Stale, Value: "v" } || now >= Epoch + policy.CacheTtlMs);
        });
    }

    [Property]
    public bool CacheTtl_FetchedAtPlusTtl_IsTheFirstMissingMillisecond(Policy policy)
    {
        var stored = Written(policy, version: 21);
        return Sides.All(d =>
        {
            var now = stored.FetchedAtMs + policy.CacheTtlMs + d;
            var status = Ask.Read(now, stored, policy).Status;
            return d < 0 ? status == CacheStatus.Stale : status == CacheStatus.Miss;
        });
    }

    [Property]
    public bool CacheTtl_BoundsAHit_EvenWhenFreshUntilIsLater(Policy policy)
    {
        // An envelope whose fresh-until outlives the TTL (written under a longer lifetime): the TTL wins.
        var stored = Envelope.FromMs(4, true, "v", Epoch, Epoch + policy.CacheTtlMs + 10, 0);
        return Sides.All(d =>
        {
            var now = Epoch + policy.CacheTtlMs + d;
            var hit = Decide.IsHit(now, stored, policy);
            var status = Ask.Read(now, stored, policy).Status;
            return d < 0 ? hit && status == CacheStatus.Hit : !hit && status == CacheStatus.Miss;
        });
    }

    [Property]
    public bool CacheTtl_APlaceholderPastItIsAFreshMiss_NotTheOldPlaceholder(Policy policy)
    {
        // Past the TTL the claim carries a new placeholder stamped now; before it, the stored one.
        var background = policy.With(fetchOnMiss: false);
        var placeholder = Envelope.FromMs(8, false, (string)null!, Epoch, Epoch, 0);
        return Sides.All(d =>
        {
            var now = Epoch + background.CacheTtlMs + d;
            return Ask.Read(now, placeholder, background) is Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss } e
                && e.Claim.ExpectedVersion == 8
                && e.Claim.Leased.FetchedAtMs == (d < 0 ? Epoch : now);
        });
    }

    [Property]
    public bool StaleLease_LeaseUntil_IsTheFirstMillisecondThatClaimsAgain(Policy policy, Offset offset)
    {
        var window = StaleWindow(policy);
        if (window < 3)
            return true; // No room for a lease with a stale millisecond on each side.
        var leaseUntil = Epoch + policy.LifetimeMs + 1 + offset % (window - 2);
        var stored = Envelope.FromMs(5, true, "v", Epoch, Epoch + policy.LifetimeMs, leaseUntil);
        return Sides.All(d =>
        {
            var now = leaseUntil + d;
            return Ask.Read(now, stored, policy) switch
            {
                Effect<string>.Return { Status: CacheStatus.Stale, Value: "v" } => d < 0,
                Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Stale, Value: "v" } e =>
                    d >= 0 && e.Claim.ExpectedVersion == 5 && Ms(e.Claim.LeaseUntil) == now + policy.RefreshTimeoutMs,
                _ => false,
            };
        });
    }

    [Property]
    public bool PlaceholderLease_WhenItRunsOut_TheNextReadClaimsTheFillAgain(Policy policy)
    {
        // The limbo: a background fill that never lands must not leave its placeholder unclaimable.
        var background = policy.With(fetchOnMiss: false);
        var leaseUntil = Epoch + background.RefreshTimeoutMs;
        var placeholder = Envelope.FromMs(6, false, (string)null!, Epoch, Epoch, leaseUntil);
        return Sides.All(d =>
        {
            var now = leaseUntil + d;
            return Ask.Read(now, placeholder, background) switch
            {
                Effect<string>.Return { Status: CacheStatus.Miss, Value: null } => d < 0,
                Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss, Value: null } e =>
                    d >= 0 && e.Claim.ExpectedVersion == 6 && !e.Claim.Leased.HasValue
                    && Ms(e.Claim.LeaseUntil) == now + background.RefreshTimeoutMs,
                _ => false,
            };
        });
    }

    [Property]
    public bool Placeholder_WithFetchOnMiss_FetchesOnEitherSideOfItsLease(Policy policy)
    {
        var fetching = policy.With(fetchOnMiss: true);
        var leaseUntil = Epoch + fetching.RefreshTimeoutMs;
        var placeholder = Envelope.FromMs(9, false, (string)null!, Epoch, Epoch, leaseUntil);
        return Sides.All(d =>
            Ask.Read(leaseUntil + d, placeholder, fetching) is Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 9 });
    }

    [Property]
    public bool TooStale_AtTheThresholdIsServed_OneMillisecondPastFetches(Policy policy)
    {
        if (policy.FetchOnStaleThreshold is null || policy.FetchOnStaleThresholdMs + 1 >= policy.CacheTtlMs)
            return true; // No threshold, or the TTL drops the item first.
        var stored = Written(policy, version: 31);
        return Sides.All(d =>
        {
            var now = Epoch + policy.FetchOnStaleThresholdMs + d;
            return Ask.Read(now, stored, policy) switch
            {
                Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Stale, Value: "v" } => d <= 0,
                Effect<string>.FetchSync { Status: CacheStatus.Stale, ExpectedVersion: 31 } => d > 0,
                _ => false,
            };
        });
    }

    [Property]
    public bool TooStale_FetchesEvenWhileALeaseIsHeld(Policy policy)
    {
        // A refresh that keeps failing keeps re-leasing: the lease must not hide data this old.
        if (policy.FetchOnStaleThreshold is null || policy.FetchOnStaleThresholdMs + 1 >= policy.CacheTtlMs)
            return true;
        var stored = Envelope.FromMs(32, true, "v", Epoch, Epoch + policy.LifetimeMs, 0);
        var leased = Envelope.FromMs(33, true, "v", Epoch, Epoch + policy.LifetimeMs, Epoch + policy.CacheTtlMs);
        var now = Epoch + policy.FetchOnStaleThresholdMs + 1;
        return Ask.Read(now, stored, policy) is Effect<string>.FetchSync { ExpectedVersion: 32 }
            && Ask.Read(now, leased, policy) is Effect<string>.FetchSync { ExpectedVersion: 33 };
    }

    [Property]
    public bool Claim_ForDataStampedAheadOfThisClock_KeepsNoMoreThanTheTtl(Policy policy, Offset skew)
    {
        // Another process's clock runs ahead: fetched-at is in our future, fresh-until already past.
        var now = Epoch + 1_000_000;
        var stored = Envelope.FromMs(7, true, "v", now + 1 + skew % 100_000, now - 1, 0);
        return Ask.Read(now, stored, policy) is Effect<string>.ReturnAndEnqueue e && e.Claim.Ttl == policy.CacheTtl;
    }

    [Property]
    public bool Claim_KeepsExactlyWhatIsLeftOfTheTtl_DownToOneMillisecond(Policy policy)
    {
        var stored = Written(policy, version: 41);
        var lastStale = Epoch + policy.CacheTtlMs - 1;
        if (lastStale - Epoch > policy.FetchOnStaleThresholdMs)
            return true; // Fetched synchronously before: no claim.
        return Ask.Read(lastStale, stored, policy) is Effect<string>.ReturnAndEnqueue e
            && e.Claim.Ttl == TimeSpan.FromMilliseconds(1)
            && Ask.Read(Epoch + policy.LifetimeMs, stored, policy) is Effect<string>.ReturnAndEnqueue first
            && first.Claim.Ttl == TimeSpan.FromMilliseconds(policy.CacheTtlMs - policy.LifetimeMs);
    }

    [Property]
    public bool Miss_TheBackgroundFillPlaceholder_IsStampedNowWithoutALease(Policy policy, Moment now)
    {
        var background = policy.With(fetchOnMiss: false);
        return Ask.Read<string>(now.Ms, null, background) is Effect<string>.ReturnAndEnqueue e
            && e.Claim.Leased is { HasValue: false, FetchedAtMs: var fetched, FreshUntilMs: var fresh, LeaseUntilMs: 0 }
            && fetched == now.Ms && fresh == now.Ms
            && e.Claim.Ttl == background.CacheTtl
            && e.Claim.ToEnvelope(77) is { Version: 77, HasValue: false } leased
            && leased.LeaseUntilMs == now.Ms + background.RefreshTimeoutMs;
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    /// <summary>How many milliseconds <see cref="Written"/> is stale, neither dropped nor too old.</summary>
    private static long StaleWindow(Policy policy) =>
        Math.Min(policy.CacheTtlMs, policy.FetchOnStaleThresholdMs == long.MaxValue ? long.MaxValue : policy.FetchOnStaleThresholdMs + 1) - policy.LifetimeMs;
}
