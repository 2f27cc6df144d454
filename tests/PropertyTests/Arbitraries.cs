using FsCheck;
using FsCheck.Fluent;

namespace Cacheback.Tests.Properties;

/// <summary>
/// Generators for the cache's inputs, in milliseconds around a fixed epoch. The <see cref="Arbitrary{T}"/>
/// members are what <c>[Properties(Arbitrary = new[] { typeof(Arbitraries) })]</c> registers: one per
/// type a property takes, the plain numbers wrapped in a type that says which range they come from.
/// </summary>
/// <remarks>
/// No fixed seed: each run tries 1,000 new cases per property, so CI keeps looking where the last run
/// did not. A failure is still reproducible: FsCheck.Xunit prints "Falsifiable ... (seed,gamma)" and
/// "Replay directly at failing step with (seed,gamma,size)"; paste either into
/// <c>[Property(Replay = "seed,gamma,size")]</c> to rerun exactly that case while fixing it.
/// Built with CACHEBACK_PROPERTY_REPLAY="seed,gamma" set (eng/mutation.sh does), every property
/// runs from that one seed instead (see PropertyTests.csproj).
/// </remarks>
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

    public static Arbitrary<Policy> AnyPolicy => Policies.ToArbitrary();

    public static Arbitrary<Envelope<string>> AnyEnvelope => Envelopes.ToArbitrary();

    public static Arbitrary<Moment> AnyMoment => Times.Select(t => new Moment(t)).ToArbitrary();

    public static Arbitrary<Offset> AnyOffset => Gen.Choose(0, int.MaxValue).Select(o => new Offset(o)).ToArbitrary();

    public static Arbitrary<Offsets> TwentyOffsets => Gen.ListOf(Gen.Choose(0, int.MaxValue), 20).Select(o => new Offsets(o)).ToArbitrary();

    public static Arbitrary<Steps> FortySteps => Gen.ListOf(Gen.Choose(0, 60_000), 40).Select(s => new Steps(s)).ToArbitrary();

    public static Arbitrary<Flips> FourFlips =>
        Gen.ListOf(Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, 255)), 4).Select(f => new Flips(f)).ToArbitrary();

    public static Arbitrary<FailedRefreshes> AnyFailedRefreshes => Gen.Choose(1, 10).Select(n => new FailedRefreshes(n)).ToArbitrary();

    public static Arbitrary<Overshoot> AnyOvershoot => Gen.Choose(1, 100_000).Select(ms => new Overshoot(ms)).ToArbitrary();

    /// <summary>A moment in milliseconds, from <see cref="Times"/>.</summary>
    public readonly record struct Moment(long Ms)
    {
        public static implicit operator long(Moment moment) => moment.Ms;
    }

    /// <summary>Any non-negative <see cref="int"/>, reduced by the property to the window it needs.</summary>
    public readonly record struct Offset(int Value)
    {
        public static implicit operator int(Offset offset) => offset.Value;
    }

    /// <summary>How many refreshes failed in a row: 1 to 10.</summary>
    public readonly record struct FailedRefreshes(int Count)
    {
        public static implicit operator int(FailedRefreshes failures) => failures.Count;
    }

    /// <summary>Milliseconds past a threshold: 1 to 100,000.</summary>
    public readonly record struct Overshoot(int Ms)
    {
        public static implicit operator int(Overshoot overshoot) => overshoot.Ms;
    }

    /// <summary>Twenty <see cref="Offset"/> values.</summary>
    public sealed class Offsets(IEnumerable<int> offsets) : List<int>(offsets);

    /// <summary>Four bytes to overwrite: where (any non-negative <see cref="int"/>) and with what (0 to 255).</summary>
    public sealed class Flips(IEnumerable<(int At, int Value)> flips) : List<(int At, int Value)>(flips);

    /// <summary>Forty steps of 0 to 60,000 milliseconds.</summary>
    public sealed class Steps(IEnumerable<int> steps) : List<int>(steps);
}
