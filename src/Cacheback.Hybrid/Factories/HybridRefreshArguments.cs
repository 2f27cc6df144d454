using System.Buffers.Binary;
using System.Text;

namespace Cacheback.Hybrid;

/// <summary>
/// What a queued HybridCache refresh carries besides its key: the entry's expiration (its
/// lifetime, in ms), its flags and its tags. Bytes: expiration (big-endian 64-bit), flags (32-bit),
/// tag count (32-bit), then each tag's UTF-8 length (32-bit) and bytes.
/// </summary>
internal readonly record struct HybridRefreshArguments(long ExpirationMs, int Flags, string[] Tags)
{
    public byte[] Serialize()
    {
        var size = 16 + Tags.Sum(t => 4 + Encoding.UTF8.GetByteCount(t));
        var bytes = new byte[size];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ExpirationMs);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), Flags);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), Tags.Length);
        var at = 16;
        foreach (var tag in Tags)
        {
            var length = Encoding.UTF8.GetBytes(tag, bytes.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), length);
            at += 4 + length;
        }

        return bytes;
    }

    /// <exception cref="FormatException">The bytes are not such arguments (the message says where).</exception>
    public static HybridRefreshArguments Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16)
            throw new FormatException($"HybridCache refresh arguments are at least 16 bytes, not {bytes.Length}.");
        var expiration = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var flags = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[12..]);
        if (count < 0 || count > bytes.Length)
            throw new FormatException($"HybridCache refresh arguments cannot hold {count} tags in {bytes.Length} bytes.");
        var tags = new string[count];
        var at = 16;
        for (var i = 0; i < count; i++)
        {
            if (at + 4 > bytes.Length)
                throw new FormatException($"Tag #{i} of HybridCache refresh arguments runs past their end.");
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
            if (length < 0 || at + 4 + length > bytes.Length)
                throw new FormatException($"Tag #{i} of HybridCache refresh arguments runs past their end.");
            tags[i] = Encoding.UTF8.GetString(bytes.Slice(at + 4, length));
            at += 4 + length;
        }

        if (expiration <= 0)
            throw new FormatException($"A HybridCache refresh's expiration is {expiration} ms; it must be positive.");
        return new HybridRefreshArguments(expiration, flags, tags);
    }
}
