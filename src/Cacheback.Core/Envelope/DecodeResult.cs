namespace Cacheback;

/// <summary>The outcome of reading bytes as an envelope: <see cref="Decoded"/> or <see cref="Failed"/>. Never an exception.</summary>
/// <typeparam name="T">The cached value's type.</typeparam>
internal abstract record DecodeResult<T>
{
    private DecodeResult()
    {
    }

    /// <summary>The bytes held an envelope.</summary>
    public sealed record Decoded(Envelope<T> Envelope) : DecodeResult<T>;

    /// <summary>They did not; <paramref name="Detail"/> says where and why.</summary>
    public sealed record Failed(DecodeError Error, string Detail) : DecodeResult<T>;
}
