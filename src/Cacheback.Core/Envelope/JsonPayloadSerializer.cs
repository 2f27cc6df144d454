using System.Text.Json;

namespace Cacheback;

/// <summary>The default payload serializer: System.Text.Json, UTF-8.</summary>
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
