using System.Buffers.Binary;

namespace Cacheback;

/// <summary>The reading half of the MessagePack subset the envelope uses (see the format in EnvelopeCodec.cs).</summary>
internal static partial class EnvelopeCodec
{
    /// <summary>A forward-only reader over the few MessagePack types the envelope uses.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public DecodeError Error { get; private set; }
        public string Detail { get; private set; } = "";
        public readonly bool AtEnd => _at == _bytes.Length;
        public readonly int Remaining => _bytes.Length - _at;

        public bool TryReadArrayHeader(out long count)
        {
            count = 0;
            if (!Need(1))
                return false;
            var tag = _bytes[_at];
            var body = _bytes[(_at + 1)..];
            switch (tag)
            {
                case >= 0x90 and <= 0x9f: count = tag & 0x0f; _at += 1; return true;
                case 0xdc when Need(3): count = BinaryPrimitives.ReadUInt16BigEndian(body); _at += 3; return true;
                case 0xdd when Need(5): count = BinaryPrimitives.ReadUInt32BigEndian(body); _at += 5; return true;
                case 0xdc or 0xdd: return false; // Need() said Truncated
                default: return Bad(DecodeError.NotAnEnvelope, $"expected an array, found 0x{tag:x2}");
            }
        }

        public bool TryReadInt(out long value)
        {
            value = 0;
            if (!Need(1))
                return false;
            var tag = _bytes[_at];
            var body = _bytes[(_at + 1)..];
            switch (tag)
            {
                case <= 0x7f: value = tag; _at += 1; return true;
                case >= 0xe0: value = unchecked((sbyte)tag); _at += 1; return true;
                case 0xcc when Need(2): value = body[0]; _at += 2; return true;
                case 0xcd when Need(3): value = BinaryPrimitives.ReadUInt16BigEndian(body); _at += 3; return true;
                case 0xce when Need(5): value = BinaryPrimitives.ReadUInt32BigEndian(body); _at += 5; return true;
                case 0xcf when Need(9):
                    var u = BinaryPrimitives.ReadUInt64BigEndian(body);
                    if (u > long.MaxValue)
                        return Bad(DecodeError.InvalidField, $"integer {u} at byte {_at} is out of range");
                    value = (long)u; _at += 9; return true;
                case 0xd0 when Need(2): value = unchecked((sbyte)body[0]); _at += 2; return true;
                case 0xd1 when Need(3): value = BinaryPrimitives.ReadInt16BigEndian(body); _at += 3; return true;
                case 0xd2 when Need(5): value = BinaryPrimitives.ReadInt32BigEndian(body); _at += 5; return true;
                case 0xd3 when Need(9): value = BinaryPrimitives.ReadInt64BigEndian(body); _at += 9; return true;
                case 0xcc or 0xcd or 0xce or 0xcf or 0xd0 or 0xd1 or 0xd2 or 0xd3: return false; // Need() said Truncated
                default: return Bad(DecodeError.NotAnEnvelope, $"expected an integer at byte {_at}, found 0x{tag:x2}");
            }
        }

        public bool TryReadBinOrNil(int max, out bool present, out ReadOnlySpan<byte> payload)
        {
            present = false;
            payload = default;
            if (!Need(1))
                return false;
            var tag = _bytes[_at];
            long length;
            int header;
            switch (tag)
            {
                case 0xc0: _at++; return true;
                case 0xc4 when Need(2): length = _bytes[_at + 1]; header = 2; break;
                case 0xc5 when Need(3): length = BinaryPrimitives.ReadUInt16BigEndian(_bytes[(_at + 1)..]); header = 3; break;
                case 0xc6 when Need(5): length = BinaryPrimitives.ReadUInt32BigEndian(_bytes[(_at + 1)..]); header = 5; break;
                case 0xc4 or 0xc5 or 0xc6: return false;
                default: return Bad(DecodeError.NotAnEnvelope, $"expected bin or nil payload at byte {_at}, found 0x{tag:x2}");
            }

            if (length > max)
                return Bad(DecodeError.TooLarge, $"payload of {length} bytes exceeds the maximum of {max}");
            _at += header;
            if (!Need(length))
                return false;
            payload = _bytes.Slice(_at, (int)length);
            present = true;
            _at += (int)length;
            return true;
        }

        private bool Need(long count) =>
            _bytes.Length - _at >= count || Bad(DecodeError.Truncated, $"needed {count} bytes at byte {_at}, {_bytes.Length - _at} left");

        private bool Bad(DecodeError error, string detail)
        {
            Error = error;
            Detail = detail;
            return false;
        }
    }
}
