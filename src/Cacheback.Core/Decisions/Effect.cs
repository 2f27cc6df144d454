using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// What a read must do, as decided by <see cref="Decide"/>: a closed union of
/// <see cref="Return"/>, <see cref="ReturnAndEnqueue"/> and <see cref="FetchSync"/>.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
/// <remarks>
/// The public cases are a read's effects. The executor's other commands (invalidate, a requested
/// or queued refresh, a write, a raw get, a write read back) have effects of their own, internal
/// cases of this union: <see cref="Decide"/> answers every command with an effect, and a read's
/// effect never is one of them.
/// </remarks>
public abstract record Effect<T>
{
    private Effect()
    {
    }

    /// <summary>The cache status the read reports.</summary>
    public abstract CacheStatus Status { get; }

    /// <summary>Runs the function for this case.</summary>
    [Pure]
    public TResult Match<TResult>(
        Func<Return, TResult> Return,
        Func<ReturnAndEnqueue, TResult> ReturnAndEnqueue,
        Func<FetchSync, TResult> FetchSync)
    {
        ArgumentNullException.ThrowIfNull(Return);
        ArgumentNullException.ThrowIfNull(ReturnAndEnqueue);
        ArgumentNullException.ThrowIfNull(FetchSync);
        return this switch
        {
            Return r => Return(r),
            ReturnAndEnqueue e => ReturnAndEnqueue(e),
            FetchSync f => FetchSync(f),
            _ => throw new InvalidOperationException($"{GetType().Name} is not a read's effect."),
        };
    }

    /// <summary>Return what is stored; touch nothing.</summary>
    /// <param name="Value">The stored value; <see langword="default"/> when <paramref name="Status"/> is <see cref="CacheStatus.Miss"/> (a placeholder: the read returns the job's empty value).</param>
    /// <param name="Status">What the read found.</param>
    public sealed record Return(T? Value, CacheStatus Status) : Effect<T>
    {
        /// <inheritdoc />
        public override CacheStatus Status { get; } = Status;

        /// <summary>Whether <see cref="Value"/> is a stored value: the status is not <see cref="CacheStatus.Miss"/>.</summary>
        public bool HasValue => Status != CacheStatus.Miss;

        /// <summary>The stored value, unless the read was a miss.</summary>
        /// <param name="value">The stored value; <see langword="default"/> on a miss.</param>
        /// <returns><see cref="HasValue"/>.</returns>
        public bool TryGetValue([MaybeNullWhen(false)] out T value)
        {
            value = HasValue ? Value! : default;
            return HasValue;
        }
    }

    /// <summary>
    /// Return what is stored (or the empty value) at once, and try to claim the refresh; only the
    /// caller whose claim wins enqueues it.
    /// </summary>
    /// <param name="Value">The stale value; <see langword="default"/> when <paramref name="Status"/> is <see cref="CacheStatus.Miss"/> (the read returns the job's empty value).</param>
    /// <param name="Status">What the read found.</param>
    /// <param name="Claim">The compare-and-set that takes the refresh lease.</param>
    public sealed record ReturnAndEnqueue(T? Value, CacheStatus Status, Claim<T> Claim) : Effect<T>
    {
        /// <inheritdoc />
        public override CacheStatus Status { get; } = Status;

        /// <summary>Whether <see cref="Value"/> is a stored value: the status is not <see cref="CacheStatus.Miss"/>.</summary>
        public bool HasValue => Status != CacheStatus.Miss;

        /// <summary>The stored value, unless the read was a miss.</summary>
        /// <param name="value">The stored value; <see langword="default"/> on a miss.</param>
        /// <returns><see cref="HasValue"/>.</returns>
        public bool TryGetValue([MaybeNullWhen(false)] out T value)
        {
            value = HasValue ? Value! : default;
            return HasValue;
        }
    }

    /// <summary>Fetch now (once per key per process), store the result, return it.</summary>
    /// <param name="Status">Miss, or Stale when the data is older than the stale threshold.</param>
    /// <param name="ExpectedVersion">The version read (0: none); the result is stored only if it is still there.</param>
    public sealed record FetchSync(CacheStatus Status, long ExpectedVersion) : Effect<T>
    {
        /// <inheritdoc />
        public override CacheStatus Status { get; } = Status;

        /// <summary>Whether to store the fetched value (over <see cref="ExpectedVersion"/>).</summary>
        /// <value>Default <see langword="true"/>; <see langword="false"/> when the read found the store failing: the value is returned unstored.</value>
        public bool WriteBack { get; init; } = true;
    }

    /// <summary>The effect of a command that is not a read: it reports no read, so no hit or stale (<see cref="CacheStatus.Miss"/>).</summary>
    internal abstract record Operation : Effect<T>
    {
        /// <inheritdoc />
        public sealed override CacheStatus Status => CacheStatus.Miss;
    }

    /// <summary>Take this lease by compare-and-set; if it wins, refresh the key over the version won.</summary>
    /// <param name="Claim">The compare-and-set that takes the lease.</param>
    internal sealed record Lease(Claim<T> Claim) : Operation;

    /// <summary>Refresh the key with no claim to take, landing only over <paramref name="ExpectedVersion"/>.</summary>
    /// <param name="ExpectedVersion">The version the refresh must find (0: nothing stored).</param>
    internal sealed record RefreshOver(long ExpectedVersion) : Operation;

    /// <summary>Do nothing: nothing is stored to act on.</summary>
    internal sealed record Nothing : Operation
    {
        private Nothing()
        {
        }

        /// <summary>The one instance.</summary>
        public static Nothing Instance { get; } = new();
    }

    /// <summary>Write <paramref name="Envelope"/>, kept for <paramref name="Ttl"/>: over <paramref name="ExpectedVersion"/> only, or unconditionally when it is null.</summary>
    /// <param name="Envelope">The envelope to write.</param>
    /// <param name="Ttl">How long the store keeps it: the cache TTL.</param>
    /// <param name="ExpectedVersion">Write only over this version (0: only where nothing is stored); null: unconditionally.</param>
    internal sealed record Store(Envelope<T> Envelope, TimeSpan Ttl, long? ExpectedVersion) : Operation;

    /// <summary>Skip the queued refresh: its claim is gone (another write or refresh replaced it), so its compare-and-set would fail.</summary>
    internal sealed record Superseded : Operation
    {
        private Superseded()
        {
        }

        /// <summary>The one instance.</summary>
        public static Superseded Instance { get; } = new();
    }

    /// <summary>A raw get's answer: what is stored, or null when nothing (the TTL ended) is.</summary>
    /// <param name="Envelope">The stored envelope, or null.</param>
    internal sealed record Present(Envelope<T>? Envelope) : Operation;

    /// <summary>The write read back is there, or a newer one.</summary>
    internal sealed record Verified : Operation
    {
        private Verified()
        {
        }

        /// <summary>The one instance.</summary>
        public static Verified Instance { get; } = new();
    }

    /// <summary>The write read back was lost: <paramref name="Found"/> is nothing, or older data than it.</summary>
    /// <param name="Found">What the read-back found.</param>
    internal sealed record WriteLost(Envelope<T>? Found) : Operation;
}
