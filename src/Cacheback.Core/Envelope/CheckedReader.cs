using System.Buffers.Binary;
using MessagePack;

namespace Cacheback;

/// <summary>
/// The codec's general reader (see the format in EnvelopeCodec.cs): a <see cref="MessagePackReader"/>
/// that says what went wrong instead of throwing: it checks each element's type before reading it,
/// and turns the reader's exceptions on short or out-of-range input (<see cref="EndOfStreamException"/>,
/// <see cref="OverflowException"/>, <see cref="MessagePackSerializationException"/>, and the <see cref="ArgumentOutOfRangeException"/>
/// a 2.x reader throws when it slices past the end) into a <see cref="DecodeError"/>. It reads every
/// legal form of the envelope; <see cref="WrittenForm"/> reads the forms the codec writes, faster.
/// </summary>
internal ref struct CheckedReader(ReadOnlyMemory<byte> bytes)
{
    private readonly ReadOnlyMemory<byte> _bytes = bytes;
    private MessagePackReader _reader = new(bytes);

    public DecodeError Error { get; private set; }
    public string Detail { get; private set; } = "";
    public readonly bool AtEnd => _reader.End;
    public readonly long Remaining => _bytes.Length - _reader.Consumed;

    public bool TryReadArrayHeader(out int count)
    {
        count = 0;
        var at = _reader.Consumed;
        try
        {
            if (_reader.End)
                return Truncated(at);
            if (_reader.NextMessagePackType != MessagePackType.Array)
                return Bad(DecodeError.NotAnEnvelope, $"expected an array, found 0x{_reader.NextCode:x2}");
            return _reader.TryReadArrayHeader(out count) || Truncated(at);
        }
        catch (OverflowException)
        {
            return Bad(DecodeError.NotAnEnvelope, "an array of more than 2^31 elements");
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or MessagePackSerializationException)
        {
            return Unreadable(e, at);
        }
    }

    public bool TryReadInt(out long value)
    {
        value = 0;
        var at = _reader.Consumed;
        try
        {
            if (_reader.End)
                return Truncated(at);
            if (_reader.NextMessagePackType != MessagePackType.Integer)
                return Bad(DecodeError.NotAnEnvelope, $"expected an integer at byte {at}, found 0x{_reader.NextCode:x2}");
            value = _reader.ReadInt64();
            return true;
        }
        catch (OverflowException)
        {
            return Bad(DecodeError.InvalidField, $"the integer at byte {at} is beyond a 64-bit signed integer");
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or MessagePackSerializationException)
        {
            return Unreadable(e, at);
        }
    }

    public bool TryReadBinOrNil(int max, out bool present, out ReadOnlyMemory<byte> payload)
    {
        present = false;
        payload = default;
        var at = _reader.Consumed;
        try
        {
            if (_reader.End)
                return Truncated(at);
            if (_reader.TryReadNil())
                return true;
            if (_reader.NextMessagePackType != MessagePackType.Binary)
                return Bad(DecodeError.NotAnEnvelope, $"expected bin or nil payload at byte {at}, found 0x{_reader.NextCode:x2}");

            // The declared length is checked before the reader slices: against the maximum (a
            // bogus length is refused unread), then against what is there (MessagePackReader 2.x
            // would throw ArgumentOutOfRangeException on a short bin).
            if (!TryPeekBinLength(at, out var length, out var available))
                return false;
            if (length > max)
                return Bad(DecodeError.TooLarge, $"payload of {length} bytes exceeds the maximum of {max}");
            if (length > available)
                return Truncated(at);

            // A slice of the input, not a copy (the input is one segment).
            payload = _reader.ReadBytes()!.Value.First;
            present = true;
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or MessagePackSerializationException)
        {
            return Unreadable(e, at);
        }
    }

    /// <summary>The length a bin header declares, and how many bytes follow the header.</summary>
    private bool TryPeekBinLength(long at, out long length, out long available)
    {
        (length, available) = (0, 0);
        var rest = _bytes.Span[(int)at..];
        var width = rest[0] switch { MessagePackCode.Bin8 => 1, MessagePackCode.Bin16 => 2, _ => 4 };
        if (rest.Length < 1 + width)
            return Truncated(at);
        var header = rest.Slice(1, width);
        length = width switch
        {
            1 => header[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(header),
            _ => BinaryPrimitives.ReadUInt32BigEndian(header),
        };
        available = rest.Length - 1 - width;
        return true;
    }

    private bool Unreadable(Exception e, long at) =>
        e is EndOfStreamException or ArgumentOutOfRangeException ? Truncated(at) : Bad(DecodeError.NotAnEnvelope, $"at byte {at}: {e.Message}");

    private bool Truncated(long at) =>
        Bad(DecodeError.Truncated, $"the bytes end within the element at byte {at} ({_bytes.Length} bytes in all)");

    private bool Bad(DecodeError error, string detail)
    {
        Error = error;
        Detail = detail;
        return false;
    }
}
