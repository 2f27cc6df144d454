using FsCheck;
using FsCheck.Fluent;

namespace Cacheback.Tests.Properties;

/// <summary>Generators for the cache's inputs, in milliseconds around a fixed epoch.</summary>
public static class Arbitraries
{
    public const long Epoch = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    public static Gen<Policy> Policies =>
        from lifetime in Gen.Choose(1, 100_000)
        from ttlExtra in Gen.Choose(0, 200_000)
        from refreshTimeout in Gen.Choose(1, 50_000)
        from fetchOnMiss in Gen.Elements(true, false)
        from thresholdExtra in Gen.Choose(0, 100_000)
        from hasThreshold in Gen.Elements(true, false)
        let ttl = lifetime + ttlExtra + refreshTimeout
        select Policy.Create(
            lifetime: TimeSpan.FromMilliseconds(lifetime),
            cacheTtl: TimeSpan.FromMilliseconds(ttl),
            refreshTimeout: TimeSpan.FromMilliseconds(refreshTimeout),
            fetchOnMiss: fetchOnMiss,
            fetchOnStaleThreshold: hasThreshold ? TimeSpan.FromMilliseconds(lifetime + 1 + thresholdExtra) : null);

    public static Gen<long> Versions => Gen.Choose(1, int.MaxValue).Select(v => (long)v * 1_000_003 % Envelope.MaxVersion + 1);

    /// <summary>Any envelope a store could hold, including odd ones (fresh-until before fetched-at, leases anywhere).</summary>
    public static Gen<Envelope<string>> Envelopes =>
        from version in Versions
        from hasValue in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from value in Gen.Elements("a", "b", "", "ünïcødé", "long value with spaces")
        from fetched in Gen.Choose(0, 1_000_000)
        from freshFor in Gen.Choose(-1000, 200_000)
        from lease in Gen.Frequency((2, Gen.Constant(-1)), (3, Gen.Choose(0, 400_000)))
        select Envelope.FromMs(version, hasValue, hasValue ? value : null!, Epoch + fetched, Epoch + fetched + freshFor, lease < 0 ? 0 : Epoch + lease);

    /// <summary>A value envelope fetched at the epoch and fresh for the policy's lifetime, as the executor writes them.</summary>
    public static Envelope<string> Written(Policy policy, long version = 1) =>
        Envelope.FromMs(version, true, "v", Epoch, Epoch + policy.LifetimeMs, 0);

    public static Gen<long> Times => Gen.Choose(-1000, 1_500_000).Select(t => Epoch + t);
}
