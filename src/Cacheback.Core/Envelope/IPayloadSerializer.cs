namespace Cacheback;

/// <summary>Turns a cached value into the bytes inside an envelope and back.</summary>
/// <typeparam name="T">The cached value's type.</typeparam>
public interface IPayloadSerializer<T>
{
    /// <summary>The value's bytes.</summary>
    byte[] Serialize(T value);

    /// <summary>The value from its bytes. May throw on bytes it cannot read; the caller treats that as a miss.</summary>
    T Deserialize(ReadOnlySpan<byte> bytes);
}
