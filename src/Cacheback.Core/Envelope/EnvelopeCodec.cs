using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Contracts;
using MessagePack;

namespace Cacheback;

/// <summary>
/// Reads and writes envelopes in the MessagePack format (https://github.com/msgpack/msgpack/blob/master/spec.md):
/// written with MessagePack-CSharp's <see cref="MessagePackWriter"/>; read straight from the span when
/// in the forms written (<see cref="WrittenForm"/>), and in any other form by a checked
/// <see cref="MessagePackReader"/> (<see cref="CheckedReader"/>).
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
/// <para>Format version 2: an entry of a tagged job (<see cref="Envelope{T}.Tags"/> set). The same six
/// elements with 2 in [0], then two more: [6] the sum of the tag versions the fetch saw, [7] the
/// sum of their removal marks (ints). Untagged envelopes are still written as version 1, byte for
/// byte, and both versions are read.</para>
/// <para>The writer uses the shortest form the spec allows for each value (what
/// <see cref="MessagePackWriter"/> writes): fixarray (0x96), positive fixint, uint 8/16/32/64
/// (0xcc-0xcf), bin 8/16/32 (0xc4-0xc6), nil (0xc0). The reader accepts every array form (fixarray,
/// array 16/32) and every integer form (fixints, uint and int 8-64) with the values above, and
/// rejects anything else as a <see cref="DecodeResult{T}.Failed"/>: it never throws, so unreadable
/// bytes in a store are a miss, not an error.</para>
/// <para>One other reader of these bytes exists: the Redis compare-and-set script
/// (src/Cacheback.Redis/Scripts/SetIfVersion.lua) parses the header up to the version by hand,
/// because Redis's cmsgpack cannot read a bin payload. It is tested against the same fixtures.</para>
/// <para>Sample bytes of each version are kept as test fixtures (tests/UnitTests/Envelope/Fixtures).</para>
/// </remarks>
internal static class EnvelopeCodec
{
    /// <summary>The format version this build writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The format version of a tagged entry: <see cref="FormatVersion"/> with the tag stamp after the payload.</summary>
    public const int TaggedFormatVersion = 2;

    /// <summary>The largest payload read by default: 64 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 64 * 1024 * 1024;

    /// <summary>The elements of a format-1 envelope.</summary>
    internal const int Fields = 6;
    private const int TaggedFields = 8;

    // Room for the header (at most 1 + 5 * 9 + 5 bytes); reused by each thread so an encode
    // allocates the result array only. Encode never re-enters itself on one thread.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_header;

    /// <summary>Encodes an envelope, its value through <paramref name="serializer"/>.</summary>
    /// <param name="envelope">What to encode.</param>
    /// <param name="serializer">How its value becomes the payload.</param>
    /// <param name="maxPayloadBytes">The largest payload <see cref="Decode{T}"/> will read back with the same limit.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="PayloadTooLargeException">The payload is over <paramref name="maxPayloadBytes"/>: bytes no reader would load are never written.</exception>
    [Pure]
    public static byte[] Encode<T>(Envelope<T> envelope, IPayloadSerializer<T> serializer, int maxPayloadBytes = DefaultMaxPayloadBytes)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(serializer);
        var payload = envelope.HasValue ? serializer.Serialize(envelope.RawValue) : null;
        if (payload is not null && payload.Length > maxPayloadBytes)
            throw new PayloadTooLargeException(payload.Length, maxPayloadBytes);
        var header = t_header ??= new ArrayBufferWriter<byte>(64);
        header.ResetWrittenCount();
        var writer = new MessagePackWriter(header);
        var tags = envelope.Tags;
        writer.WriteArrayHeader(tags is null ? Fields : TaggedFields);
        writer.Write(tags is null ? FormatVersion : TaggedFormatVersion);
        writer.Write(envelope.Version);
        writer.Write(envelope.FetchedAtMs);
        writer.Write(envelope.FreshUntilMs);
        writer.Write(envelope.LeaseUntilMs);
        if (payload is null)
            writer.WriteNil();
        else
            writer.WriteBinHeader(payload.Length);
        writer.Flush();
        var headerLength = header.WrittenCount;
        if (tags is not null)
        {
            writer = new MessagePackWriter(header);
            writer.Write(tags.Versions);
            writer.Write(tags.Removals);
            writer.Flush();
        }

        // The payload is copied once, straight after the header, into an array of the exact size.
        var payloadLength = payload?.Length ?? 0;
        var bytes = new byte[header.WrittenCount + payloadLength];
        header.WrittenSpan[..headerLength].CopyTo(bytes);
        payload?.CopyTo(bytes, headerLength);
        header.WrittenSpan[headerLength..].CopyTo(bytes.AsSpan(headerLength + payloadLength));
        return bytes;
    }

    /// <summary>Decodes bytes into an envelope, or says why they are not one. Never throws.</summary>
    [Pure]
    public static DecodeResult<T> Decode<T>(ReadOnlyMemory<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes = DefaultMaxPayloadBytes) =>
        TryDecode(bytes, serializer, maxPayloadBytes, out var envelope, out var error, out var detail)
            ? new DecodeResult<T>.Decoded(envelope)
            : new DecodeResult<T>.Failed(error, detail);

    /// <summary>
    /// <see cref="Decode{T}"/> without the result object, for the read path of a remote store (one
    /// envelope decoded per read). On success it allocates the envelope and what the serializer makes.
    /// </summary>
    internal static bool TryDecode<T>(
        ReadOnlyMemory<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes,
        [NotNullWhen(true)] out Envelope<T>? envelope, out DecodeError error, out string detail)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        envelope = null;
        (error, detail) = (default, "");
        return WrittenForm.TryRead(bytes.Span, maxPayloadBytes, out var written)
            ? TryOpen(bytes.Slice(written.PayloadStart, written.PayloadLength), written, serializer, out envelope, out error, out detail)
            : TryDecodeByReader(bytes, serializer, maxPayloadBytes, out envelope, out error, out detail);
    }

    /// <summary><see cref="Decode{T}"/> by the general <see cref="CheckedReader"/> alone, without the shortcut of the written forms (tests compare the two).</summary>
    internal static DecodeResult<T> DecodeByReader<T>(ReadOnlyMemory<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes = DefaultMaxPayloadBytes) =>
        TryDecodeByReader(bytes, serializer, maxPayloadBytes, out var envelope, out var error, out var detail)
            ? new DecodeResult<T>.Decoded(envelope)
            : new DecodeResult<T>.Failed(error, detail);

    private static bool TryDecodeByReader<T>(
        ReadOnlyMemory<byte> bytes, IPayloadSerializer<T> serializer, int maxPayloadBytes,
        [NotNullWhen(true)] out Envelope<T>? envelope, out DecodeError error, out string detail)
    {
        envelope = null;
        (error, detail) = (default, "");
        if (bytes.IsEmpty)
            return Fail(DecodeError.Empty, "no bytes", out error, out detail);
        var reader = new CheckedReader(bytes);
        if (ReadHeader(ref reader, out var tagged) is { } headerError)
            return Fail(headerError.Error, headerError.Detail, out error, out detail);
        if (!reader.TryReadInt(out var version) || !reader.TryReadInt(out var fetched)
            || !reader.TryReadInt(out var fresh) || !reader.TryReadInt(out var lease))
            return Fail(reader.Error, reader.Detail, out error, out detail);
        if (!AreValid(version, fetched, fresh, lease))
            return Fail(DecodeError.InvalidField, $"version {version}, fetched {fetched}, fresh {fresh}, lease {lease}", out error, out detail);
        if (!reader.TryReadBinOrNil(maxPayloadBytes, out var hasPayload, out var payload))
            return Fail(reader.Error, reader.Detail, out error, out detail);
        TagStamp? tags = null;
        if (tagged)
        {
            if (!reader.TryReadInt(out var versions) || !reader.TryReadInt(out var removals))
                return Fail(reader.Error, reader.Detail, out error, out detail);
            if (versions < 0 || removals < 0)
                return Fail(DecodeError.InvalidField, $"tag sums {versions} and {removals}: counters are never negative", out error, out detail);
            tags = new TagStamp(versions, removals);
        }

        if (!reader.AtEnd)
            return Fail(DecodeError.TrailingBytes, $"{reader.Remaining} bytes after the envelope", out error, out detail);
        return TryOpen(payload, new EnvelopeHeader(version, fetched, fresh, lease, hasPayload, 0, 0), serializer, out envelope, out error, out detail, tags);
    }

    /// <summary>The envelope of a read header: its payload deserialized (none for the placeholder); a tagged entry's stamp (format 2) with it.</summary>
    private static bool TryOpen<T>(
        ReadOnlyMemory<byte> payload, in EnvelopeHeader header, IPayloadSerializer<T> serializer,
        [NotNullWhen(true)] out Envelope<T>? envelope, out DecodeError error, out string detail, TagStamp? tags = null)
    {
        (envelope, error, detail) = (null, default, "");
        if (!header.HasPayload)
        {
            envelope = Envelope.FromMs(header.Version, false, default(T)!, header.FetchedAtMs, header.FreshUntilMs, header.LeaseUntilMs, tags);
            return true;
        }

        T value;
        try
        {
            // MessagePack reads from memory: hand it the slice itself rather than a copy of the span.
            value = serializer is MessagePackPayloadSerializer<T> messagePack
                ? messagePack.Deserialize(payload)
                : serializer.Deserialize(payload.Span);
        }
#pragma warning disable CA1031 // A serializer may throw anything on foreign bytes: all of it is "unreadable".
        catch (Exception e)
#pragma warning restore CA1031
        {
            return Fail(DecodeError.PayloadUnreadable, Describe(e), out error, out detail);
        }

        envelope = Envelope.FromMs(header.Version, true, value, header.FetchedAtMs, header.FreshUntilMs, header.LeaseUntilMs, tags);
        return true;
    }

    /// <summary>Whether the header's fields are what an envelope can hold: a version in [1, 2^53), times after 1970, a lease of 0 or a time.</summary>
    internal static bool AreValid(long version, long fetched, long fresh, long lease) =>
        version is >= 1 and < Envelope.MaxVersion && IsTime(fetched) && IsTime(fresh) && (lease == 0 || IsTime(lease));

    /// <summary>
    /// The version field alone, without reading the payload: what a byte store compares in a
    /// compare-and-set. <see langword="false"/> for unreadable bytes (which count as absent).
    /// </summary>
    public static bool TryReadVersion(ReadOnlyMemory<byte> bytes, out long version)
    {
        var reader = new CheckedReader(bytes);
        version = 0;
        return ReadHeader(ref reader, out _) is null && reader.TryReadInt(out version) && version is >= 1 and < Envelope.MaxVersion;
    }

    private static (DecodeError Error, string Detail)? ReadHeader(ref CheckedReader reader, out bool tagged)
    {
        tagged = false;
        if (!reader.TryReadArrayHeader(out var count))
            return (reader.Error, reader.Detail);
        if (count == 0)
            return (DecodeError.NotAnEnvelope, "an empty array");
        if (!reader.TryReadInt(out var format))
            return (reader.Error, reader.Detail);
        if (format is not (FormatVersion or TaggedFormatVersion))
            return (DecodeError.UnsupportedFormatVersion, $"format version {format}; this build reads {FormatVersion} and {TaggedFormatVersion}");
        tagged = format == TaggedFormatVersion;
        var fields = tagged ? TaggedFields : Fields;
        if (count != fields)
            return (DecodeError.NotAnEnvelope, $"an array of {count} elements; version {format} has {fields}");
        return null;
    }

    private static bool Fail(DecodeError error, string detail, out DecodeError errorOut, out string detailOut)
    {
        (errorOut, detailOut) = (error, detail);
        return false;
    }

    // MessagePackSerializer wraps what went wrong ("Failed to deserialize T value."): say both.
    private static string Describe(Exception e) =>
        e.InnerException is { } inner
            ? $"{e.GetType().Name}: {e.Message} {inner.GetType().Name}: {inner.Message}"
            : $"{e.GetType().Name}: {e.Message}";

    /// <summary>A time an envelope can hold: after 1970 and within what <see cref="DateTimeOffset"/> represents.</summary>
    private static bool IsTime(long unixMs) => unixMs is > 0 and <= EnvelopeTime.MaxUnixMs;
}
