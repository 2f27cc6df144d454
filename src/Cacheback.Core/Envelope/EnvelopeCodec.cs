using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// Reads and writes envelopes in the MessagePack format (https://github.com/msgpack/msgpack/blob/master/spec.md).
/// The only hand-written format code in Cacheback.
/// </summary>
/// <remarks>
/// <para>Format version 1: a MessagePack array of six elements.</para>
/// <code>
///  [0] format version   int   1
///  [1] version          int   in [1, 2^53): Lua in Redis reads it as a double
///  [2] fetched at       int   Unix milliseconds
///  [3] fresh until      int   Unix milliseconds
///  [4] lease until      int   Unix milliseconds, 0 when no lease is held
///  [5] payload          bin   the serializer's bytes; nil for the empty placeholder
/// </code>
/// <para>The writer uses the shortest form the spec allows for each value: fixarray (0x96),
/// positive fixint, uint 8/16/32/64 (0xcc-0xcf), bin 8/16/32 (0xc4-0xc6), nil (0xc0). The reader
/// accepts every array form (fixarray, array 16/32) and every integer form (fixints, uint and int
/// 8-64) with the values above, and rejects anything else as a <see cref="DecodeResult{T}.Failed"/>:
/// it never throws, so unreadable bytes in a store are a miss, not an error.</para>
/// <para>Sample bytes of each version are kept as test fixtures (tests/UnitTests/Envelope/Fixtures).</para>
/// </remarks>
internal static partial class EnvelopeCodec
{
    /// <summary>The format version this build writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest payload read by default: 64 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 64 * 1024 * 1024;

    private const int Fields = 6;

    /// <summary>Encodes an envelope, its value through <paramref name="serializer"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    [Pure]
    public static byte[] Encode<T>(Envelope<T> envelope, IPayloadSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(serializer);
        var payload = envelope.HasValue ? serializer.Serialize(envelope.RawValue) : null;
        var size = 1 + IntSize(FormatVersion) + IntSize(envelope.Version) + IntSize(envelope.FetchedAtMs)
            + IntSize(envelope.FreshUntilMs) + IntSize(envelope.LeaseUntilMs) + BinSize(payload);
        var bytes = new byte[size];
        var at = 0;
        bytes[at++] = 0x90 | Fields;
        at = WriteInt(bytes, at, FormatVersion);
        at = WriteInt(bytes, at, envelope.Version);
        at = WriteInt(bytes, at, envelope.FetchedAtMs);
        at = WriteInt(bytes, at, envelope.FreshUntilMs);
        at = WriteInt(bytes, at, envelope.LeaseUntilMs);
        WriteBin(bytes, at, payload);
        return bytes;
    }

    /// <summary>Decodes bytes into an envelope, or says why they are not one. Never throws.</summary>
    [Pure]
    public static DecodeResult<T> Decode<T>(ReadOnlySpan<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes = DefaultMaxPayloadBytes) =>
        TryDecode(bytes, serializer, maxPayloadBytes, out var envelope, out var error, out var detail)
            ? new DecodeResult<T>.Decoded(envelope)
            : new DecodeResult<T>.Failed(error, detail);

    /// <summary>
    /// <see cref="Decode{T}"/> without the result object, for the read path of a remote store (one
    /// envelope decoded per read).
    /// </summary>
    internal static bool TryDecode<T>(
        ReadOnlySpan<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes,
        [NotNullWhen(true)] out Envelope<T>? envelope, out DecodeError error, out string detail)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        envelope = null;
        (error, detail) = (default, "");
        if (bytes.IsEmpty)
            return Fail(DecodeError.Empty, "no bytes", out error, out detail);
        var reader = new Reader(bytes);
        if (ReadHeader(ref reader) is { } headerError)
            return Fail(headerError.Error, headerError.Detail, out error, out detail);
        if (!reader.TryReadInt(out var version) || !reader.TryReadInt(out var fetched)
            || !reader.TryReadInt(out var fresh) || !reader.TryReadInt(out var lease))
            return Fail(reader.Error, reader.Detail, out error, out detail);
        if (version is < 1 or >= Envelope.MaxVersion || !IsTime(fetched) || !IsTime(fresh) || (lease != 0 && !IsTime(lease)))
            return Fail(DecodeError.InvalidField, $"version {version}, fetched {fetched}, fresh {fresh}, lease {lease}", out error, out detail);
        if (!reader.TryReadBinOrNil(maxPayloadBytes, out var hasPayload, out var payload))
            return Fail(reader.Error, reader.Detail, out error, out detail);
        if (!reader.AtEnd)
            return Fail(DecodeError.TrailingBytes, $"{reader.Remaining} bytes after the envelope", out error, out detail);
        if (!hasPayload)
        {
            envelope = Envelope.FromMs(version, false, default(T)!, fetched, fresh, lease);
            return true;
        }

        T value;
        try
        {
            value = serializer.Deserialize(payload);
        }
#pragma warning disable CA1031 // A serializer may throw anything on foreign bytes: all of it is "unreadable".
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Fail(DecodeError.PayloadUnreadable, $"{e.GetType().Name}: {e.Message}", out error, out detail);
        }

        envelope = Envelope.FromMs(version, true, value, fetched, fresh, lease);
        return true;
    }

    /// <summary>
    /// The version field alone, without reading the payload: what a byte store compares in a
    /// compare-and-set. <see langword="false"/> for unreadable bytes (which count as absent).
    /// </summary>
    public static bool TryReadVersion(ReadOnlySpan<byte> bytes, out long version)
    {
        var reader = new Reader(bytes);
        version = 0;
        return ReadHeader(ref reader) is null && reader.TryReadInt(out version) && version is >= 1 and < Envelope.MaxVersion;
    }

    private static (DecodeError Error, string Detail)? ReadHeader(ref Reader reader)
    {
        if (!reader.TryReadArrayHeader(out var count))
            return (reader.Error, reader.Detail);
        if (count == 0)
            return (DecodeError.NotAnEnvelope, "an empty array");
        if (!reader.TryReadInt(out var format))
            return (reader.Error, reader.Detail);
        if (format != FormatVersion)
            return (DecodeError.UnsupportedFormatVersion, $"format version {format}; this build reads {FormatVersion}");
        if (count != Fields)
            return (DecodeError.NotAnEnvelope, $"an array of {count} elements; version {FormatVersion} has {Fields}");
        return null;
    }

    private static bool Fail(DecodeError error, string detail, out DecodeError errorOut, out string detailOut)
    {
        (errorOut, detailOut) = (error, detail);
        return false;
    }

    /// <summary>A time an envelope can hold: after 1970 and within what <see cref="DateTimeOffset"/> represents.</summary>
    private static bool IsTime(long unixMs) => unixMs is > 0 and <= MaxUnixMs;

    // DateTimeOffset.MaxValue in Unix milliseconds (9999-12-31T23:59:59.999Z).
    private const long MaxUnixMs = 253_402_300_799_999;

    private static int IntSize(long value) => value switch
    {
        >= 0 and <= 0x7f => 1,
        > 0x7f and <= byte.MaxValue => 2,
        > byte.MaxValue and <= ushort.MaxValue => 3,
        > ushort.MaxValue and <= uint.MaxValue => 5,
        > uint.MaxValue => 9,
        // Negative values are never written by Cacheback (versions are positive), but encode them faithfully.
        >= -32 => 1,
        >= sbyte.MinValue => 2,
        >= short.MinValue => 3,
        >= int.MinValue => 5,
        _ => 9,
    };

    private static int WriteInt(byte[] b, int at, long value)
    {
        switch (value)
        {
            case >= 0 and <= 0x7f: b[at] = (byte)value; return at + 1;
            case > 0x7f and <= byte.MaxValue: b[at] = 0xcc; b[at + 1] = (byte)value; return at + 2;
            case > byte.MaxValue and <= ushort.MaxValue: b[at] = 0xcd; BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at + 1), (ushort)value); return at + 3;
            case > ushort.MaxValue and <= uint.MaxValue: b[at] = 0xce; BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at + 1), (uint)value); return at + 5;
            case > uint.MaxValue: b[at] = 0xcf; BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(at + 1), (ulong)value); return at + 9;
            case >= -32: b[at] = unchecked((byte)value); return at + 1;
            case >= sbyte.MinValue: b[at] = 0xd0; b[at + 1] = unchecked((byte)value); return at + 2;
            case >= short.MinValue: b[at] = 0xd1; BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(at + 1), (short)value); return at + 3;
            case >= int.MinValue: b[at] = 0xd2; BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(at + 1), (int)value); return at + 5;
            default: b[at] = 0xd3; BinaryPrimitives.WriteInt64BigEndian(b.AsSpan(at + 1), value); return at + 9;
        }
    }

    private static int BinSize(byte[]? payload) => payload switch
    {
        null => 1,
        { Length: <= byte.MaxValue } => 2 + payload.Length,
        { Length: <= ushort.MaxValue } => 3 + payload.Length,
        _ => 5 + payload.Length,
    };

    private static void WriteBin(byte[] b, int at, byte[]? payload)
    {
        if (payload is null)
        {
            b[at] = 0xc0;
            return;
        }

        switch (payload.Length)
        {
            case <= byte.MaxValue: b[at] = 0xc4; b[at + 1] = (byte)payload.Length; at += 2; break;
            case <= ushort.MaxValue: b[at] = 0xc5; BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at + 1), (ushort)payload.Length); at += 3; break;
            default: b[at] = 0xc6; BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at + 1), (uint)payload.Length); at += 5; break;
        }

        payload.CopyTo(b, at);
    }
}
