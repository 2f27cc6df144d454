using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;

namespace Cacheback.Tests.Properties;

[Properties(Arbitrary = new[] { typeof(Arbitraries) }, MaxTest = 1000)]
public class DecideProperties
{
    private static Effect<string> Read(long now, Envelope<string>? stored, Policy policy) =>
        Decide.Read(DateTimeOffset.FromUnixTimeMilliseconds(now), stored, policy);

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    [Property]
    public bool Decide_IsTotal_AndReturnsOneOfTheThreeCases(Moment now, Envelope<string> stored, Policy policy) =>
        Read(now, stored, policy) is Effect<string>.Return or Effect<string>.ReturnAndEnqueue or Effect<string>.FetchSync;

    [Property]
    public bool Decide_DependsOnlyOnItsInputs(Moment now, Envelope<string> stored, Policy policy)
    {
        var copy = Envelope.FromMs(stored.Version, stored.HasValue, stored.RawValue, stored.FetchedAtMs, stored.FreshUntilMs, stored.LeaseUntilMs);
        var samePolicy = Policy.Create(policy.Lifetime, policy.CacheTtl, policy.RefreshTimeout, policy.FetchOnMiss,
            policy.FetchOnStaleThreshold);
        return Read(now, stored, policy) == Read(now, copy, samePolicy) && Read(now, stored, policy) == Read(now, stored, policy);
    }

    [Property]
    public bool IsHit_HoldsExactlyWhenReadDecidesAHit(Moment now, Envelope<string> stored, Policy policy) =>
        // The read path asks IsHit first and skips Read on a hit: the two must never disagree.
        Decide.IsHit(now, stored, policy) == Read(now, stored, policy) is Effect<string>.Return { Status: CacheStatus.Hit };

    [Property]
    public bool Fresh_ReturnsTheValueAsAHit_AndNothingElse(Policy policy, Offset offset)
    {
        var stored = Written(policy);
        var now = Epoch + offset % policy.LifetimeMs;
        return Read(now, stored, policy) is Effect<string>.Return { Status: CacheStatus.Hit } r && r.Value == "v";
    }

    [Property]
    public bool Stale_WithoutALease_ReturnsTheValueAndClaimsForTheRefreshTimeout(Policy policy, Offset offset)
    {
        var stored = Written(policy, version: 99);
        var now = StaleMoment(policy, offset);
        return Read(now, stored, policy) is Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Stale } e
            && e.Value == "v"
            && e.Claim.ExpectedVersion == 99
            && Ms(e.Claim.LeaseUntil) == now + policy.RefreshTimeoutMs
            && e.Claim.ToEnvelope(5).Value == "v"
            && e.Claim.ToEnvelope(5).FetchedAtMs == stored.FetchedAtMs;
    }

    [Property(MaxTest = 300)]
    public async Task<bool> Stale_ReadsOnOneSnapshot_AllClaimTheSameVersion_SoOneCompareAndSetWins(Policy policy, Offsets offsets)
    {
        var stored = Written(policy, version: 7);
        var store = new MemoryStore().Partition(new PartitionSpec<string>("p", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));
        await store.WriteAsync("k", stored, policy.CacheTtl);
        var wins = 0;
        foreach (var e in offsets.Select(o => Read(StaleMoment(policy, o), stored, policy)).OfType<Effect<string>.ReturnAndEnqueue>())
        {
            if (await store.CompareAndSetAsync("k", e.Claim.ExpectedVersion, e.Claim.ToEnvelope(Envelope.NewVersion()), e.Claim.Ttl))
                wins++;
        }

        return offsets.Count == 0 || wins == 1;
    }

    [Property]
    public bool Stale_OneClaimPerLeaseWindow_AndTheFirstReadAfterTheLeaseClaimsAgain(Policy policy, Steps steps)
    {
        var stored = Written(policy);
        var now = Epoch + policy.LifetimeMs;
        long? leaseEnds = null;
        foreach (var step in steps)
        {
            if (now >= stored.FetchedAtMs + policy.CacheTtlMs || now - stored.FetchedAtMs > policy.FetchOnStaleThresholdMs)
                break; // Past the stale window: other rules apply.
            var effect = Read(now, stored, policy);
            var leaseHeld = leaseEnds is { } end && now < end;
            switch (effect)
            {
                case Effect<string>.ReturnAndEnqueue e when !leaseHeld:
                    stored = e.Claim.ToEnvelope(Envelope.NewVersion()); // the claim wins; the refresh then fails
                    leaseEnds = now + policy.RefreshTimeoutMs;
                    break;
                case Effect<string>.Return { Status: CacheStatus.Stale } when leaseHeld:
                    break;
                default:
                    return false;
            }

            now += step;
        }

        return true;
    }

    [Property]
    public bool Miss_NothingStored_FetchesOrFillsInTheBackgroundPerFetchOnMiss(Policy policy, Moment now) =>
        Read(now, null, policy) switch
        {
            Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 0 } => policy.FetchOnMiss,
            Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss } e =>
                !policy.FetchOnMiss && e.Value is null && e.Claim.ExpectedVersion == 0 && !e.Claim.Leased.HasValue
                && Ms(e.Claim.LeaseUntil) == now + policy.RefreshTimeoutMs,
            _ => false,
        };

    [Property]
    public bool Miss_PastTheCacheTtl_IsAMissOverTheStoredVersion(Policy policy, Offset offset)
    {
        var stored = Written(policy, version: 12);
        var now = Epoch + policy.CacheTtlMs + offset;
        return Read(now, stored, policy) switch
        {
            Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 12 } => policy.FetchOnMiss,
            Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss } e => !policy.FetchOnMiss && e.Claim.ExpectedVersion == 12,
            _ => false,
        };
    }

    [Property]
    public bool Placeholder_InsideItsLease_ReturnsEmptyWithoutEnqueueing(Policy policy, Offset offset)
    {
        var placeholder = Envelope.FromMs(3, false, (string)null!, Epoch, Epoch, Epoch + policy.RefreshTimeoutMs);
        var now = Epoch + offset % policy.RefreshTimeoutMs;
        return Read(now, placeholder, policy) switch
        {
            Effect<string>.FetchSync { Status: CacheStatus.Miss } => policy.FetchOnMiss,
            Effect<string>.Return { Status: CacheStatus.Miss } r => !policy.FetchOnMiss && r.Value is null,
            _ => false,
        };
    }

    [Property]
    public bool TooStale_FetchesSynchronously_MeasuredFromTheFetchEvenAfterFailedRefreshes(Policy policy, FailedRefreshes failures, Overshoot beyond)
    {
        if (policy.FetchOnStaleThreshold is null)
            return true;
        var stored = Written(policy);
        var now = Epoch + policy.LifetimeMs;
        // Each failed refresh re-leases the item; none of that makes the data younger.
        for (var i = 0; i < failures && now - Epoch <= policy.FetchOnStaleThresholdMs; i++)
        {
            if (Read(now, stored, policy) is Effect<string>.ReturnAndEnqueue e)
                stored = e.Claim.ToEnvelope(Envelope.NewVersion());
            now += policy.RefreshTimeoutMs;
        }

        var tooOld = Epoch + policy.FetchOnStaleThresholdMs + beyond;
        if (tooOld >= Epoch + policy.CacheTtlMs)
            return true; // Dropped by the TTL first: a miss, covered elsewhere.
        return Read(tooOld, stored, policy) is Effect<string>.FetchSync { Status: CacheStatus.Stale } f && f.ExpectedVersion == stored.Version;
    }

    [Property]
    public bool Claims_TellTheStoreToKeepWhatIsLeftOfTheCacheTtl(Moment now, Envelope<string> stored, Policy policy) =>
        Read(now, stored, policy) is not Effect<string>.ReturnAndEnqueue e
            || (e.Claim.Ttl <= policy.CacheTtl
                && (long)e.Claim.Ttl.TotalMilliseconds == Math.Clamp(e.Claim.Leased.FetchedAtMs + policy.CacheTtlMs - now, 1, policy.CacheTtlMs));

    /// <summary>A moment when <see cref="Written"/> is stale but neither dropped nor too old.</summary>
    private static long StaleMoment(Policy policy, int offset)
    {
        var staleUntil = policy.FetchOnStaleThreshold is not null ? Math.Min(policy.CacheTtlMs, policy.FetchOnStaleThresholdMs + 1) : policy.CacheTtlMs;
        var staleFor = staleUntil - policy.LifetimeMs;
        return Epoch + policy.LifetimeMs + offset % staleFor;
    }
}
