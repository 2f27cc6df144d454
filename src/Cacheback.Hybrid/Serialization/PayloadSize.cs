using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid;

/// <summary>A value's bytes as its HybridCache serializer writes them: kept for a shared store, only counted for the embedded one.</summary>
internal static class PayloadSize
{
    public static long Count<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var counter = new CountingWriter();
        serializer.Serialize(value, counter);
        return counter.Written;
    }

    public static byte[] Bytes<T>(IHybridCacheSerializer<T> serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        serializer.Serialize(value, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A buffer writer that reuses one scratch buffer and counts what is written to it.</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[256];

        public long Written { get; private set; }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

        private Memory<byte> Scratch(int sizeHint)
        {
            if (sizeHint > _scratch.Length)
                _scratch = new byte[sizeHint];
            return _scratch;
        }
    }
}
