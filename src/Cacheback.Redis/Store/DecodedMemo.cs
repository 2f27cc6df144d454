using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The last envelope decoded for a few keys of one job, with the bytes it was decoded from: a read
/// that gets the same bytes back from Redis (a hot key between two writes) returns that envelope
/// instead of decoding the value again. Redis is still read every time; only the decode is saved.
/// </summary>
/// <remarks>
/// <para>Only for value types a caller cannot change under another caller's feet (the rule of
/// HybridCache, which reuses instances on the same condition): <see cref="string"/>, value types
/// without references (copied on return), and sealed types marked <c>[ImmutableObject(true)]</c>.
/// Any other type is decoded on every read, so each caller gets an instance of its own, as before.</para>
/// <para>Bounded: a fixed number of slots (a key takes the slot its hash names, replacing what was
/// there) and only envelopes of at most <see cref="MaxBytes"/> bytes, so it holds at most
/// <see cref="Slots"/> x <see cref="MaxBytes"/> of encoded bytes per job, plus their values.</para>
/// </remarks>
internal sealed class DecodedMemo<T>
{
    /// <summary>How many keys are remembered at most.</summary>
    public const int Slots = 64;

    /// <summary>The largest encoded envelope remembered.</summary>
    public const int MaxBytes = 4096;

    private readonly Entry?[] _slots = new Entry?[Slots];

    /// <summary>A memo when <typeparamref name="T"/>'s instances may be shared between callers; otherwise null.</summary>
    public static DecodedMemo<T>? ForValueType() => SharesSafely ? new DecodedMemo<T>() : null;

    /// <summary>Whether an instance of <typeparamref name="T"/> can be handed to several callers: none of them can change it.</summary>
    internal static bool SharesSafely { get; } =
        typeof(T) == typeof(string)
        || !RuntimeHelpers.IsReferenceOrContainsReferences<T>()
        || (typeof(T).IsSealed && typeof(T).GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true });

    /// <summary>The envelope decoded from exactly <paramref name="bytes"/> under <paramref name="key"/>, if it is remembered.</summary>
    public bool TryGet(string key, byte[] bytes, out Envelope<T>? envelope)
    {
        var entry = Volatile.Read(ref _slots[SlotOf(key)]);
        if (entry is not null && string.Equals(entry.Key, key, StringComparison.Ordinal) && entry.Bytes.AsSpan().SequenceEqual(bytes))
        {
            envelope = entry.Envelope;
            return true;
        }

        envelope = null;
        return false;
    }

    /// <summary>Remembers what <paramref name="bytes"/> decoded to under <paramref name="key"/> (unless they are too large).</summary>
    public void Remember(string key, byte[] bytes, Envelope<T> envelope)
    {
        if (bytes.Length <= MaxBytes)
            Volatile.Write(ref _slots[SlotOf(key)], new Entry(key, bytes, envelope));
    }

    private static int SlotOf(string key) => key.GetHashCode(StringComparison.Ordinal) & (Slots - 1);

    private sealed record Entry(string Key, byte[] Bytes, Envelope<T> Envelope);
}
