using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// What a read must do, as decided by <see cref="Decide"/>: a closed union of
/// <see cref="Return"/>, <see cref="ReturnAndEnqueue"/> and <see cref="FetchSync"/>.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
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
            _ => throw new InvalidOperationException("Effect is a closed union."),
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
}
