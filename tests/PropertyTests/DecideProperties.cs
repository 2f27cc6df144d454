using FsCheck;
using FsCheck.Fluent;
using static Cacheback.Tests.Properties.Arbitraries;

namespace Cacheback.Tests.Properties;

public class DecideProperties
{
    private static Effect<string> Read(long now, Envelope<string>? stored, Policy policy) =>
        Decide.Read(DateTimeOffset.FromUnixTimeMilliseconds(now), stored, policy);

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    [Fact]
    public void Decide_IsTotal_AndReturnsOneOfTheThreeCases() =>
        Checks.Run(Prop.ForAll(Times.ToArbitrary(), Envelopes.ToArbitrary(), Policies.ToArbitrary(), (now, stored, policy) =>
            Read(now, stored, policy) is Effect<string>.Return or Effect<string>.ReturnAndEnqueue or Effect<string>.FetchSync));

    [Fact]
    public void Decide_DependsOnlyOnItsInputs() =>
        Checks.Run(Prop.ForAll(Times.ToArbitrary(), Envelopes.ToArbitrary(), Policies.ToArbitrary(), (now, stored, policy) =>
        {
            var copy = Envelope.FromMs(stored.Version, stored.HasValue, stored.RawValue, stored.FetchedAtMs, stored.FreshUntilMs, stored.LeaseUntilMs);
            var samePolicy = Policy.Create(policy.Lifetime, policy.CacheTtl, policy.RefreshTimeout, policy.FetchOnMiss,
                policy.FetchOnStaleThreshold);
            return Read(now, stored, policy) == Read(now, copy, samePolicy) && Read(now, stored, policy) == Read(now, stored, policy);
        }));

    [Fact]
    public void IsHit_HoldsExactlyWhenReadDecidesAHit() =>
        // The read path asks IsHit first and skips Read on a hit: the two must never disagree.
        Checks.Run(Prop.ForAll(Times.ToArbitrary(), Envelopes.ToArbitrary(), Policies.ToArbitrary(), (now, stored, policy) =>
            Decide.IsHit(now, stored, policy) == Read(now, stored, policy) is Effect<string>.Return { Status: CacheStatus.Hit }));

    [Fact]
    public void Fresh_ReturnsTheValueAsAHit_AndNothingElse() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (policy, offset) =>
        {
            var stored = Written(policy);
            var now = Epoch + offset % policy.LifetimeMs;
            return Read(now, stored, policy) is Effect<string>.Return { Status: CacheStatus.Hit } r && r.Value == "v";
        }));

    [Fact]
    public void Stale_WithoutALease_ReturnsTheValueAndClaimsForTheRefreshTimeout() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (policy, offset) =>
        {
            var stored = Written(policy, version: 99);
            var now = StaleMoment(policy, offset);
            return Read(now, stored, policy) is Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Stale } e
                && e.Value == "v"
                && e.Claim.ExpectedVersion == 99
                && Ms(e.Claim.LeaseUntil) == now + policy.RefreshTimeoutMs
                && e.Claim.ToEnvelope(5).Value == "v"
                && e.Claim.ToEnvelope(5).FetchedAtMs == stored.FetchedAtMs;
        }));

    [Fact]
    public void Stale_ReadsOnOneSnapshot_AllClaimTheSameVersion_SoOneCompareAndSetWins() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.ListOf(Gen.Choose(0, int.MaxValue), 20).ToArbitrary(), (policy, offsets) =>
        {
            var stored = Written(policy, version: 7);
            var store = new MemoryStore().Partition(new PartitionSpec<string>("p", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));
            store.WriteAsync("k", stored, policy.CacheTtl).AsTask().Wait();
            var wins = offsets
                .Select(o => Read(StaleMoment(policy, o), stored, policy))
                .OfType<Effect<string>.ReturnAndEnqueue>()
                .Count(e => store.CompareAndSetAsync("k", e.Claim.ExpectedVersion, e.Claim.ToEnvelope(Envelope.NewVersion()), e.Claim.Ttl).AsTask().Result);
            return offsets.Count == 0 || wins == 1;
        }), maxTest: 300);

    [Fact]
    public void Stale_OneClaimPerLeaseWindow_AndTheFirstReadAfterTheLeaseClaimsAgain() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.ListOf(Gen.Choose(0, 60_000), 40).ToArbitrary(), (policy, steps) =>
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
        }));

    [Fact]
    public void Miss_NothingStored_FetchesOrFillsInTheBackgroundPerFetchOnMiss() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Times.ToArbitrary(), (policy, now) => Read(now, null, policy) switch
        {
            Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 0 } => policy.FetchOnMiss,
            Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss } e =>
                !policy.FetchOnMiss && e.Value is null && e.Claim.ExpectedVersion == 0 && !e.Claim.Leased.HasValue
                && Ms(e.Claim.LeaseUntil) == now + policy.RefreshTimeoutMs,
            _ => false,
        }));

    [Fact]
    public void Miss_PastTheCacheTtl_IsAMissOverTheStoredVersion() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (policy, offset) =>
        {
            var stored = Written(policy, version: 12);
            var now = Epoch + policy.CacheTtlMs + offset;
            return Read(now, stored, policy) switch
            {
                Effect<string>.FetchSync { Status: CacheStatus.Miss, ExpectedVersion: 12 } => policy.FetchOnMiss,
                Effect<string>.ReturnAndEnqueue { Status: CacheStatus.Miss } e => !policy.FetchOnMiss && e.Claim.ExpectedVersion == 12,
                _ => false,
            };
        }));

    [Fact]
    public void Placeholder_InsideItsLease_ReturnsEmptyWithoutEnqueueing() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (policy, offset) =>
        {
            var placeholder = Envelope.FromMs(3, false, (string)null!, Epoch, Epoch, Epoch + policy.RefreshTimeoutMs);
            var now = Epoch + offset % policy.RefreshTimeoutMs;
            return Read(now, placeholder, policy) switch
            {
                Effect<string>.FetchSync { Status: CacheStatus.Miss } => policy.FetchOnMiss,
                Effect<string>.Return { Status: CacheStatus.Miss } r => !policy.FetchOnMiss && r.Value is null,
                _ => false,
            };
        }));

    [Fact]
    public void TooStale_FetchesSynchronously_MeasuredFromTheFetchEvenAfterFailedRefreshes() =>
        Checks.Run(Prop.ForAll(Policies.ToArbitrary(), Gen.Choose(1, 10).ToArbitrary(), Gen.Choose(1, 100_000).ToArbitrary(), (policy, failures, beyond) =>
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
        }));

    [Fact]
    public void Claims_TellTheStoreToKeepWhatIsLeftOfTheCacheTtl() =>
        Checks.Run(Prop.ForAll(Times.ToArbitrary(), Envelopes.ToArbitrary(), Policies.ToArbitrary(), (now, stored, policy) =>
            Read(now, stored, policy) is not Effect<string>.ReturnAndEnqueue e
            || (e.Claim.Ttl <= policy.CacheTtl
                && (long)e.Claim.Ttl.TotalMilliseconds == Math.Clamp(e.Claim.Leased.FetchedAtMs + policy.CacheTtlMs - now, 1, policy.CacheTtlMs))));

    /// <summary>A moment when <see cref="Written"/> is stale but neither dropped nor too old.</summary>
    private static long StaleMoment(Policy policy, int offset)
    {
        var staleUntil = policy.FetchOnStaleThreshold is not null ? Math.Min(policy.CacheTtlMs, policy.FetchOnStaleThresholdMs + 1) : policy.CacheTtlMs;
        var staleFor = staleUntil - policy.LifetimeMs;
        return Epoch + policy.LifetimeMs + offset % staleFor;
    }
}
