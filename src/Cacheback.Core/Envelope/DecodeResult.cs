using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>The outcome of reading bytes as an envelope: <see cref="Decoded"/> or <see cref="Failed"/>. Never an exception.</summary>
/// <typeparam name="T">The cached value's type.</typeparam>
internal abstract record DecodeResult<T>
{
    private DecodeResult()
    {
    }

    /// <summary>Runs the function for this case.</summary>
    [Pure]
    public TResult Match<TResult>(Func<Envelope<T>, TResult> Decoded, Func<DecodeError, string, TResult> Failed)
    {
        ArgumentNullException.ThrowIfNull(Decoded);
        ArgumentNullException.ThrowIfNull(Failed);
        return this switch
        {
            Decoded d => Decoded(d.Envelope),
            Failed f => Failed(f.Error, f.Detail),
            _ => throw new InvalidOperationException("DecodeResult is a closed union."),
        };
    }

    /// <summary>The bytes held an envelope.</summary>
    public sealed record Decoded(Envelope<T> Envelope) : DecodeResult<T>;

    /// <summary>They did not; <paramref name="Detail"/> says where and why.</summary>
    public sealed record Failed(DecodeError Error, string Detail) : DecodeResult<T>;
}
