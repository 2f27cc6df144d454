using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>Builds <see cref="Envelope{T}"/> values.</summary>
public static class Envelope
{
    /// <summary>A freshly fetched value.</summary>
    /// <param name="version">Non-zero; see <see cref="NewVersion"/>.</param>
    /// <param name="value">The value.</param>
    /// <param name="fetchedAt">When it was fetched.</param>
    /// <param name="freshUntil">When it goes stale.</param>
    /// <exception cref="ArgumentOutOfRangeException">The version is 0 or a time is before 1970.</exception>
    [Pure]
    public static Envelope<T> Fresh<T>(long version, T value, DateTimeOffset fetchedAt, DateTimeOffset freshUntil) =>
        new(CheckVersion(version), true, value, Ms(fetchedAt, nameof(fetchedAt)), Ms(freshUntil, nameof(freshUntil)), 0);

    /// <summary>The empty placeholder a background fill leaves, leased until the refresh should have landed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The version is 0 or a time is before 1970.</exception>
    [Pure]
    public static Envelope<T> Placeholder<T>(long version, DateTimeOffset writtenAt, DateTimeOffset leaseUntil) =>
        new(CheckVersion(version), false, default!, Ms(writtenAt, nameof(writtenAt)), Ms(writtenAt, nameof(writtenAt)), Ms(leaseUntil, nameof(leaseUntil)));

    /// <summary>A copy of <paramref name="envelope"/> leased until <paramref name="leaseUntil"/>, under <paramref name="version"/>.</summary>
    [Pure]
    public static Envelope<T> WithLease<T>(this Envelope<T> envelope, long version, DateTimeOffset leaseUntil) =>
        envelope.Leased(Ms(leaseUntil, nameof(leaseUntil)), CheckVersion(version));

    /// <summary>A random version in [1, 2^53) (0 means "absent" to a compare-and-set).</summary>
    public static long NewVersion() => Random.Shared.NextInt64(1, MaxVersion);

    /// <summary>Versions stay below 2^53 so that Lua in Redis, which reads numbers as doubles, compares them exactly.</summary>
    public const long MaxVersion = 1L << 53;

    internal static Envelope<T> FromMs<T>(long version, bool hasValue, T value, long fetchedAtMs, long freshUntilMs, long leaseUntilMs, TagStamp? tags = null) =>
        new(version, hasValue, value, fetchedAtMs, freshUntilMs, leaseUntilMs, tags);

    private static long CheckVersion(long version) =>
        version != 0 ? version : throw new ArgumentOutOfRangeException(nameof(version), version, "A stored version is never 0: 0 means absent.");

    private static long Ms(DateTimeOffset time, string name)
    {
        var ms = time.ToUnixTimeMilliseconds();
        return ms > 0 ? ms : throw new ArgumentOutOfRangeException(name, time, "Times are stored as milliseconds after 1970-01-01.");
    }
}
