using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// A refresh lease to take by compare-and-set: replace the envelope at
/// <see cref="ExpectedVersion"/> (0: nothing stored) with <see cref="Leased"/>'s content under a
/// new version. Across every process sharing the store, one caller wins per stale episode.
/// </summary>
/// <param name="ExpectedVersion">The version the decision saw; 0 when nothing (readable) was stored.</param>
/// <param name="LeaseUntil">Until when the refresh holds the key: now + <see cref="Policy.RefreshTimeout"/>.</param>
/// <param name="Ttl">How long the store keeps the leased item: what is left of <see cref="Policy.CacheTtl"/>.</param>
/// <param name="Leased">What to store, without its version: the stale item or an empty placeholder, with the lease set.</param>
public sealed record Claim<T>(long ExpectedVersion, DateTimeOffset LeaseUntil, TimeSpan Ttl, Envelope<T> Leased)
{
    /// <summary>The envelope to write when claiming under <paramref name="version"/>.</summary>
    [Pure]
    public Envelope<T> ToEnvelope(long version) => Leased.WithLease(version, LeaseUntil);
}
