using System.Text.Json;

namespace Cacheback;

/// <summary>
/// How a query travels in a refresh request: a JSON object of its pairs (<c>{"IsStaff":true,"Name":"x"}</c>).
/// Read back against the entity's model, so every value comes back as its property's type, in a
/// worker process as in the web node that asked.
/// </summary>
internal sealed class EntityQuerySerializer<TEntity>(EntityShape<TEntity> shape) : IPayloadSerializer<EntityQuery>
    where TEntity : class
{
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    public byte[] Serialize(EntityQuery value) => JsonSerializer.SerializeToUtf8Bytes(value.ToDictionary(), Json);

    /// <exception cref="JsonException">Not a JSON object, or a value not of its field's type.</exception>
    /// <exception cref="ArgumentException">A field the entity does not have (a request from another version of the app).</exception>
    public EntityQuery Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new JsonException($"A {shape.EntityName} query is a JSON object of field names and values, not a {document.RootElement.ValueKind}.");
        var fields = FieldValues.None;
        foreach (var field in document.RootElement.EnumerateObject())
        {
            var type = shape.TypeOf(field.Name);
            fields = fields.And(field.Name, field.Value.Deserialize(type, Json));
        }

        return shape.Resolve(fields);
    }
}
