using System.Collections;

namespace Cacheback;

/// <summary>
/// The field/value pairs an entity query job matches (django-cacheback's <c>get(name=..., is_staff=...)</c>
/// keyword arguments): immutable, and order-insensitive — the same pairs in any order are the same
/// query and the same cache key.
/// </summary>
/// <remarks>
/// Build one with <see cref="Of"/> and <see cref="And"/>, or <see cref="From"/> a dictionary.
/// Field names are the entity's property names (matched ignoring case when that is unambiguous);
/// values are converted to the property's type when the job reads the query (a string parsed
/// with the invariant culture, a number widened or narrowed when it fits), and a field the entity
/// does not have, or a value that does not fit, is an <see cref="ArgumentException"/> naming it.
/// </remarks>
public sealed class FieldValues : IReadOnlyCollection<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields;

    private FieldValues(KeyValuePair<string, object?>[] fields) => _fields = fields;

    /// <summary>No condition: every entity (for a filter job), or the only one (for a get job).</summary>
    public static FieldValues None { get; } = new([]);

    /// <summary>The number of fields.</summary>
    public int Count => _fields.Length;

    /// <summary>One field and its value.</summary>
    /// <exception cref="ArgumentException"><paramref name="field"/> is empty.</exception>
    public static FieldValues Of(string field, object? value) => None.And(field, value);

    /// <summary>These pairs.</summary>
    /// <exception cref="ArgumentException">A field is empty or given twice.</exception>
    public static FieldValues From(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return fields.Aggregate(None, (all, pair) => all.And(pair.Key, pair.Value));
    }

    /// <summary>These pairs and one more.</summary>
    /// <exception cref="ArgumentException"><paramref name="field"/> is empty, or already given.</exception>
    public FieldValues And(string field, object? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        if (_fields.Any(f => string.Equals(f.Key, field, StringComparison.Ordinal)))
            throw new ArgumentException($"Field '{field}' is given twice; a query names each field once.", nameof(field));
        // Kept in ordinal order of the names: the order they were given in does not matter.
        var fields = _fields.Append(new KeyValuePair<string, object?>(field, value))
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .ToArray();
        return new FieldValues(fields);
    }

    /// <summary>The pairs, in ordinal order of the field names.</summary>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The pairs as <c>Name=value, ...</c>, for messages.</summary>
    public override string ToString() => string.Join(", ", _fields.Select(f => $"{f.Key}={f.Value ?? "null"}"));
}
