namespace Cacheback.Tests;

/// <summary>
/// The questions the rule book's tests ask, each put to <see cref="Decide.Next{T}"/> as its
/// <see cref="Command{T}"/>, and its effect's answer unwrapped: the tests read as the rules do.
/// Shared by the unit and the property tests (linked into PropertyTests).
/// </summary>
internal static class Ask
{
    /// <summary>A read at <paramref name="now"/>, with its early-refresh draw and its tags' verdict.</summary>
    public static Effect<T> Read<T>(long now, Envelope<T>? stored, in Rules rules, double draw = 0, TagVerdict tags = TagVerdict.Valid) =>
        Decide.Next(Command<T>.Read.Of(draw, tags), now, stored, rules);

    /// <summary>A read under a policy's rules, no hooks.</summary>
    public static Effect<T> Read<T>(long now, Envelope<T>? stored, Policy policy) => Read(now, stored, policy.Rules);

    /// <summary>A write: the <see cref="Effect{T}.Store"/> Decide answers (any other answer fails the cast).</summary>
    public static Effect<T>.Store Write<T>(long now, T value, long version, long? expectedVersion, in Rules rules, double draw = 0, TagStamp? tags = null) =>
        (Effect<T>.Store)Decide.Next(new Command<T>.Write(value, version, expectedVersion, draw, tags), now, null, rules);

    /// <summary>Invalidate (<paramref name="markStale"/>) or a requested refresh: the lease to take, null when there is none.</summary>
    public static Claim<T>? Lease<T>(long now, Envelope<T>? stored, in Rules rules, bool markStale) =>
        Decide.Next(markStale ? Command<T>.Invalidate.Instance : Command<T>.RequestRefresh.Instance, now, stored, rules) is Effect<T>.Lease lease ? lease.Claim : null;

    /// <summary>Whether a queued refresh expecting <paramref name="expectedVersion"/> is skipped.</summary>
    public static bool Superseded<T>(Envelope<T>? stored, long expectedVersion) =>
        Decide.Next(new Command<T>.RunRefresh(expectedVersion), 0, stored, Policy.Default.Rules) is Effect<T>.Superseded;

    /// <summary>A raw get: the envelope present, or null.</summary>
    public static Envelope<T>? Present<T>(long now, Envelope<T>? stored, long cacheTtlMs) =>
        ((Effect<T>.Present)Decide.Next(Command<T>.RawGet.Instance, now, stored, Policy.Default.Rules with { CacheTtlMs = cacheTtlMs })).Envelope;

    /// <summary>Whether a write read back (finding <paramref name="found"/>) was lost.</summary>
    public static bool WriteLost<T>(Envelope<T>? found, Envelope<T> written) =>
        Decide.Next(new Command<T>.Verify(written), 0, found, Policy.Default.Rules) is Effect<T>.WriteLost;

    /// <summary>A read the store failed to answer.</summary>
    public static Effect<T> StoreUnavailable<T>() =>
        Decide.Next(Command<T>.StoreUnavailable.Instance, 0, null, Policy.Default.Rules);
}
