using System.Text.Json;

namespace Cacheback;

/// <summary>
/// A payload serializer over System.Text.Json, UTF-8: pass it as a job's serializer for values that
/// should stay readable as text, or for types System.Text.Json handles and MessagePack's contractless
/// resolver does not. The default is <see cref="MessagePackPayloadSerializer{T}"/>.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
public sealed class JsonPayloadSerializer<T> : IPayloadSerializer<T>
{
    private readonly JsonSerializerOptions? _options;

    /// <summary>Creates a serializer with the given options (default: System.Text.Json's defaults).</summary>
    public JsonPayloadSerializer(JsonSerializerOptions? options = null) => _options = options;

    /// <summary>A shared instance with the default options.</summary>
    public static JsonPayloadSerializer<T> Default { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    /// <inheritdoc />
    public T Deserialize(ReadOnlySpan<byte> bytes) => JsonSerializer.Deserialize<T>(bytes, _options)!;
}
