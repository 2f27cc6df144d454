using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cacheback.Hybrid;

/// <summary>
/// An entry's bytes inside the envelope, for stores that keep bytes: a format byte, the tags
/// (count, then UTF-8 length and bytes each), the versions seen (big-endian 64-bit), then the value
/// as its HybridCache serializer wrote it.
/// </summary>
internal sealed class HybridEntrySerializer : IPayloadSerializer<HybridEntry>
{
    public static readonly HybridEntrySerializer Instance = new();
    private const byte Format = 1;

    public byte[] Serialize(HybridEntry value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var payload = value.Payload
            ?? throw new InvalidOperationException("An entry for a shared store carries its value's bytes.");
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 16 + (value.Tags.Length * 24));
        buffer.GetSpan(1)[0] = Format;
        buffer.Advance(1);
        WriteInt32(buffer, value.Tags.Length);
        foreach (var tag in value.Tags)
        {
            var length = Encoding.UTF8.GetByteCount(tag);
            WriteInt32(buffer, length);
            Encoding.UTF8.GetBytes(tag, buffer.GetSpan(length));
            buffer.Advance(length);
        }

        foreach (var seen in value.Seen)
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(8), seen);
            buffer.Advance(8);
        }

        buffer.Write(payload);
        return buffer.WrittenSpan.ToArray();
    }

    public HybridEntry Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != Format)
            throw new FormatException($"A HybridCache entry starts with format byte {Format}, not {(bytes.IsEmpty ? "nothing" : bytes[0])}.");
        var at = 1;
        var count = ReadInt32(bytes, ref at);
        if (count < 0 || count > bytes.Length)
            throw new FormatException($"A HybridCache entry cannot have {count} tags in {bytes.Length} bytes.");
        var tags = new string[count];
        for (var i = 0; i < count; i++)
        {
            var length = ReadInt32(bytes, ref at);
            if (length < 0 || at + length > bytes.Length)
                throw new FormatException($"Tag #{i} of a HybridCache entry runs past its end.");
            tags[i] = Encoding.UTF8.GetString(bytes.Slice(at, length));
            at += length;
        }

        var seen = new long[count + 1];
        for (var i = 0; i <= count; i++)
        {
            if (at + 8 > bytes.Length)
                throw new FormatException("The tag versions of a HybridCache entry run past its end.");
            seen[i] = BinaryPrimitives.ReadInt64BigEndian(bytes[at..]);
            at += 8;
        }

        return HybridEntry.FromBytes(tags, seen, bytes[at..].ToArray());
    }

    private static void WriteInt32(ArrayBufferWriter<byte> buffer, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), value);
        buffer.Advance(4);
    }

    private static int ReadInt32(ReadOnlySpan<byte> bytes, ref int at)
    {
        if (at + 4 > bytes.Length)
            throw new FormatException("A HybridCache entry ends in the middle of a length.");
        var value = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
        at += 4;
        return value;
    }
}
