namespace Cacheback;

/// <summary>Why bytes could not be read as an envelope.</summary>
public enum DecodeError
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>The bytes end before the envelope does.</summary>
    Truncated,

    /// <summary>The bytes are not a MessagePack array of the envelope's shape.</summary>
    NotAnEnvelope,

    /// <summary>A format version this build cannot read.</summary>
    UnsupportedFormatVersion,

    /// <summary>The payload is larger than the configured maximum.</summary>
    TooLarge,

    /// <summary>Bytes follow the envelope.</summary>
    TrailingBytes,

    /// <summary>A field has a value no writer produces (a zero version, a negative time).</summary>
    InvalidField,

    /// <summary>The envelope is sound but the payload serializer could not read the value.</summary>
    PayloadUnreadable,
}
