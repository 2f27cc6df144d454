namespace Cacheback;

/// <summary>
/// A query checked against the entity's model: each condition names one of its properties, by the
/// model's own spelling, with a value of the property's type; in ordinal order of the names. This
/// is what a job's key is made from and what travels in a refresh request.
/// </summary>
internal sealed record EntityQuery(IReadOnlyList<FieldCondition> Conditions)
{
    /// <summary>The conditions as a name → value dictionary, for the key's canonical JSON.</summary>
    public SortedDictionary<string, object?> ToDictionary() =>
        new(Conditions.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}
