using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;
using System.Globalization;

namespace Cacheback;

/// <summary>
/// What the store holds for one key: the value (or no value, for the placeholder a background fill
/// leaves), when it was fetched, until when it is fresh, until when a refresh lease is held, and
/// a version that changes on every write. Times are kept to the millisecond, as the wire format
/// stores them.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
public sealed class Envelope<T> : IEquatable<Envelope<T>>, IStoredEntry
{
    private readonly T _value;

    // The bookkeeping of the MemoryStore slot that holds this instance, kept here rather than in a
    // record around it: a hit then follows one pointer from the dictionary node (measured: the
    // wrapper cost 32 B per entry and 10-30% per hit at 100 k keys). An instance is stored in one
    // slot at most (TakeForStore); another write of it stores a copy. Not part of the value: not in Equals.
    private long _storeExpiresAtMs;
    private int _stored;
    private bool _storeReferenced;

    internal Envelope(long version, bool hasValue, T value, long fetchedAtMs, long freshUntilMs, long leaseUntilMs, TagStamp? tags = null)
    {
        Tags = tags;
        Version = version;
        HasValue = hasValue;
        _value = value;
        FetchedAtMs = fetchedAtMs;
        FreshUntilMs = freshUntilMs;
        LeaseUntilMs = leaseUntilMs;
    }

    /// <summary>Changes on every write; a refresh writes back only if the version it claimed is still stored.</summary>
    public long Version { get; }

    /// <summary>The cached value; <see langword="default"/> for the empty placeholder (see <see cref="HasValue"/>).</summary>
    public T? Value => HasValue ? _value : default;

    /// <summary>Whether this is a real value rather than the empty placeholder.</summary>
    public bool HasValue { get; }

    /// <summary>The cached value, if this is not the empty placeholder.</summary>
    /// <param name="value">The value when there is one; otherwise <see langword="default"/>.</param>
    /// <returns><see cref="HasValue"/>.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = HasValue ? _value : default;
        return HasValue;
    }

    /// <summary>When the data was fetched (for a placeholder: when it was written).</summary>
    public DateTimeOffset FetchedAt => DateTimeOffset.FromUnixTimeMilliseconds(FetchedAtMs);

    /// <summary>Until when the item is fresh; from then on it is stale.</summary>
    public DateTimeOffset FreshUntil => DateTimeOffset.FromUnixTimeMilliseconds(FreshUntilMs);

    /// <summary>Until when a triggered refresh holds the key; <see langword="null"/> when none was triggered.</summary>
    public DateTimeOffset? LeaseUntil =>
        LeaseUntilMs == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(LeaseUntilMs);

    internal long FetchedAtMs { get; }
    internal long FreshUntilMs { get; }
    /// <summary>0 when no lease is held.</summary>
    internal long LeaseUntilMs { get; }

    /// <summary>The tag counters its fetch saw before it ran (a tagged job's entry); null for an untagged one.</summary>
    internal TagStamp? Tags { get; }

    /// <summary>The value as stored (default for a placeholder), without the check; for the hot path.</summary>
    internal T RawValue => _value;

    /// <summary>This instance, or a copy if a store slot already holds it, ready to be stored until <paramref name="expiresAtMs"/>.</summary>
    internal Envelope<T> TakeForStore(long expiresAtMs)
    {
        var taken = Interlocked.Exchange(ref _stored, 1) == 0 ? this : new Envelope<T>(Version, HasValue, _value, FetchedAtMs, FreshUntilMs, LeaseUntilMs, Tags) { _stored = 1 };
        taken._storeExpiresAtMs = expiresAtMs;
        return taken;
    }

    /// <summary>Marks this stored instance read (CLOCK's bit); writes only when the bit is clear, so a hot entry's cache line stays shared.</summary>
    internal void MarkRead()
    {
        if (!_storeReferenced)
            _storeReferenced = true;
    }

    long IStoredEntry.ExpiresAtMs => _storeExpiresAtMs;

    long IStoredEntry.Size => 0;

    bool IStoredEntry.Referenced
    {
        get => _storeReferenced;
        set => _storeReferenced = value;
    }

    /// <summary>The same item, leased until <paramref name="leaseUntilMs"/>, under a new version.</summary>
    [Pure]
    internal Envelope<T> Leased(long leaseUntilMs, long version) =>
        new(version, HasValue, _value, FetchedAtMs, FreshUntilMs, leaseUntilMs, Tags);

    /// <summary>The same item (same version), fresh no later than <paramref name="nowMs"/>: what a read sees of an entry a tag invalidated as stale.</summary>
    [Pure]
    internal Envelope<T> StaleFrom(long nowMs) =>
        FreshUntilMs <= nowMs ? this : new(Version, HasValue, _value, FetchedAtMs, nowMs, LeaseUntilMs, Tags);

    /// <inheritdoc />
    public bool Equals(Envelope<T>? other) =>
        other is not null
        && Version == other.Version
        && HasValue == other.HasValue
        && EqualityComparer<T>.Default.Equals(_value, other._value)
        && FetchedAtMs == other.FetchedAtMs
        && FreshUntilMs == other.FreshUntilMs
        && LeaseUntilMs == other.LeaseUntilMs
        && Equals(Tags, other.Tags);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Envelope<T>);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Version, HasValue, _value, FetchedAtMs, FreshUntilMs, LeaseUntilMs);

    /// <inheritdoc />
    public override string ToString() =>
        $"Envelope(v{Version}, {(HasValue ? _value?.ToString() : "<empty>")}, fetched {FetchedAt:O}, fresh until {FreshUntil:O}, lease {LeaseUntil?.ToString("O", CultureInfo.InvariantCulture) ?? "none"})";
}
