namespace Cacheback;

/// <summary>Type names as people write them: stable across builds, no assembly names or versions.</summary>
internal static class TypeNames
{
    public static string Readable(Type type)
    {
        if (!type.IsGenericType)
            return (type.FullName ?? type.Name).Replace('+', '.');
        var definition = type.GetGenericTypeDefinition();
        var name = (definition.FullName ?? definition.Name).Replace('+', '.');
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(",", type.GetGenericArguments().Select(Readable))}>";
    }
}
