using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacheback;

/// <summary>
/// Writes every dictionary (anything enumerating <see cref="KeyValuePair{TKey, TValue}"/> that JSON
/// writes as an object) with its entries in ordinal order of their JSON names, so that a key does
/// not depend on insertion order. Only for hashing: it does not read.
/// </summary>
/// <remarks>
/// Objects that are not dictionaries (records, tuples, classes) keep their declared property order:
/// that order is already fixed by the type, and sorting it would change every existing key.
/// </remarks>
internal sealed class SortedDictionaryConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => EntryTypes(typeToConvert) is not null;

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var (key, value) = EntryTypes(typeToConvert)!.Value;
        return (JsonConverter?)Activator.CreateInstance(typeof(Sorted<,,>).MakeGenericType(typeToConvert, key, value));
    }

    /// <summary>The key and value types of a generic dictionary type; null for anything else.</summary>
    private static (Type Key, Type Value)? EntryTypes(Type type)
    {
        if (type == typeof(string) || type.IsArray)
            return null;
        foreach (var candidate in type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces())
        {
            if (!candidate.IsGenericType)
                continue;
            var definition = candidate.GetGenericTypeDefinition();
            if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                var arguments = candidate.GetGenericArguments();
                return (arguments[0], arguments[1]);
            }
        }

        return null;
    }

    private sealed class Sorted<TDictionary, TKey, TValue> : JsonConverter<TDictionary>
        where TDictionary : IEnumerable<KeyValuePair<TKey, TValue>>
        where TKey : notnull
    {
        public override TDictionary Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("The key encoding only writes.");

        public override void Write(Utf8JsonWriter writer, TDictionary value, JsonSerializerOptions options)
        {
            var entries = value.Select(pair => (Name: NameOf(pair.Key, options), pair.Value)).ToList();
            entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            writer.WriteStartObject();
            foreach (var (name, entry) in entries)
            {
                writer.WritePropertyName(name);
                JsonSerializer.Serialize(writer, entry, options);
            }

            writer.WriteEndObject();
        }

        /// <summary>The property name JSON gives <paramref name="key"/> (an int's digits, an enum's name...).</summary>
        private static string NameOf(TKey key, JsonSerializerOptions options)
        {
            if (key is string text)
                return text;
            var converter = (JsonConverter<TKey>)options.GetConverter(typeof(TKey));
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                converter.WriteAsPropertyName(json, key, options);
                json.WriteNullValue();
                json.WriteEndObject();
            }

            var reader = new Utf8JsonReader(buffer.ToArray());
            reader.Read();
            reader.Read();
            return reader.GetString() ?? "";
        }
    }
}
