using System.Buffers;

namespace Cacheback.Hybrid;

/// <summary>
/// What a HybridCache key stores inside Cacheback's envelope: its tags, the version of each tag (the
/// wildcard first) read before its factory ran, and the value. One entry type for every value type,
/// so that <c>RemoveAsync(key)</c> reaches the key on any node, whatever types that node has seen:
/// the embedded store keeps the value itself; a shared store keeps its bytes, decoded on first use
/// by a reader of the type and kept on the entry (so an L1 in front decodes once).
/// </summary>
internal sealed class HybridEntry
{
    private Decoded? _decoded;

    private HybridEntry(string[] tags, long[] seen, byte[]? payload, Decoded? decoded)
    {
        Tags = tags;
        Seen = seen;
        Payload = payload;
        _decoded = decoded;
    }

    /// <summary>The entry's tags, without the wildcard.</summary>
    public string[] Tags { get; }

    /// <summary>The versions seen: [0] the wildcard's, [i + 1] that of <see cref="Tags"/>[i].</summary>
    public long[] Seen { get; }

    /// <summary>The value's bytes as its HybridCache serializer wrote them; null in the embedded store.</summary>
    public byte[]? Payload { get; }

    /// <summary>An entry holding the value itself (and, for a shared store, its bytes too).</summary>
    public static HybridEntry Of<T>(T value, string[] tags, long[] seen, byte[]? payload) =>
        new(tags, seen, payload, new Decoded(typeof(T), value));

    /// <summary>An entry read back from bytes: decoded when first read.</summary>
    public static HybridEntry FromBytes(string[] tags, long[] seen, byte[] payload) => new(tags, seen, payload, null);

    /// <summary>The value as a <typeparamref name="T"/>, if it was stored as one (or its bytes read as one).</summary>
    public bool TryGetValue<T>(HybridSerializers serializers, out T value)
    {
        var decoded = Volatile.Read(ref _decoded);
        if (decoded is not null && decoded.Type == typeof(T))
        {
            value = (T)decoded.Value!;
            return true;
        }

        return TryDecode(serializers, out value);
    }

    private bool TryDecode<T>(HybridSerializers serializers, out T value)
    {
        if (Payload is null)
        {
            // Stored in this process under another type: HybridCache treats that as a miss.
            value = default!;
            return false;
        }

        try
        {
            value = serializers.For<T>().Deserialize(new ReadOnlySequence<byte>(Payload));
        }
#pragma warning disable CA1031 // Bytes another type (or another version of this one) wrote: a miss, as in HybridCache.
        catch (Exception)
#pragma warning restore CA1031
        {
            value = default!;
            return false;
        }

        Volatile.Write(ref _decoded, new Decoded(typeof(T), value));
        return true;
    }

    private sealed record Decoded(Type Type, object? Value);
}
