using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Cacheback;

/// <summary>
/// What binding a configuration section to an options type would quietly get wrong: keys that no
/// property takes (a misspelt setting is otherwise ignored) and values that do not convert to
/// their property's type. Each problem names the key by its full path, and the value or the keys
/// that are valid there. Pure: reads the section and the type, nothing else.
/// </summary>
internal static class ConfigurationCheck
{
    /// <summary>
    /// The problems of <paramref name="section"/> bound to <paramref name="type"/>; children named in
    /// <paramref name="owned"/> belong to someone else and are skipped; <paramref name="read"/> names
    /// keys read by hand beside the binder (a policy's thresholds), each with the type of its value.
    /// </summary>
    public static IReadOnlyList<string> Problems(
        IConfigurationSection section, Type type, IEnumerable<string>? owned = null, IReadOnlyDictionary<string, Type>? read = null)
    {
        var problems = new List<string>();
        CheckObject(section, type, new HashSet<string>(owned ?? [], StringComparer.OrdinalIgnoreCase), problems, read);
        return problems;
    }

    /// <summary>The value of <paramref name="section"/> as <paramref name="type"/> (converted as the binder does: invariant culture); null when it is empty or does not convert.</summary>
    public static object? Convert(IConfigurationSection section, Type type)
    {
        if (string.IsNullOrEmpty(section.Value))
            return null;
        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(section.Value);
        }
#pragma warning disable CA1031 // Converters throw whatever they like (FormatException, ArgumentException, OverflowException...): all of it means "not convertible".
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static void CheckObject(IConfigurationSection section, Type type, HashSet<string> owned, List<string> problems, IReadOnlyDictionary<string, Type>? read = null)
    {
        var properties = Settable(type);
        foreach (var (key, valueType) in read ?? new Dictionary<string, Type>())
            properties[key] = valueType;
        foreach (var child in section.GetChildren())
        {
            if (owned.Contains(child.Key))
                continue;
            if (properties.TryGetValue(child.Key, out var property))
                CheckValue(child, property, problems);
            else
                problems.Add($"{child.Path} is not a setting (misspelt?); the settings of {section.Path} are: {string.Join(", ", properties.Keys.Concat(owned).Order(StringComparer.Ordinal))}.");
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            if (section.GetChildren().Any())
                problems.Add($"{section.Path} is one value ({Describe(type)}), not a section; it has: {string.Join(", ", section.GetChildren().Select(c => c.Key))}.");
            else if (!string.IsNullOrEmpty(section.Value) && Convert(section, type) is null)
                problems.Add($"{section.Path} is '{section.Value}', which is not {Describe(type)}.");
            return;
        }

        if ((Generic(type, typeof(IDictionary<,>)) ?? Generic(type, typeof(IReadOnlyDictionary<,>))) is { } dictionary)
        {
            foreach (var entry in section.GetChildren())
                CheckValue(entry, dictionary[1], problems);
            return;
        }

        if ((type.IsArray ? type.GetElementType() : Generic(type, typeof(IEnumerable<>))?[0]) is { } element)
        {
            foreach (var item in section.GetChildren())
            {
                if (int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    CheckValue(item, element, problems);
                else
                    problems.Add($"{item.Path}: {section.Path} is a list, numbered from 0 ({section.Path}:0, {section.Path}:1, ...), not '{item.Key}'.");
            }

            return;
        }

        CheckObject(section, type, [], problems);
    }

    /// <summary>The properties the binder sets (a public setter) or binds into (a public getter of a section type).</summary>
    private static Dictionary<string, Type> Settable(Type type)
    {
        var settable = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod?.IsPublic != true)
                continue;
            var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if ((property.SetMethod?.IsPublic == true || !IsScalar(valueType)) && FromConfiguration(valueType))
                settable[property.Name] = property.PropertyType;
        }

        return settable;
    }

    /// <summary>
    /// Whether configuration can make a value of <paramref name="type"/>: not an interface or abstract
    /// type (a store, a clock), nor a collection of them, those are given in code; nor a type without
    /// a public parameterless constructor (an immutable <see cref="Policy"/>, read key by key instead).
    /// </summary>
    private static bool FromConfiguration(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
            return true;
        if ((Generic(type, typeof(IDictionary<,>)) ?? Generic(type, typeof(IReadOnlyDictionary<,>))) is { } dictionary)
            return FromConfiguration(dictionary[1]);
        if ((type.IsArray ? type.GetElementType() : Generic(type, typeof(IEnumerable<>))?[0]) is { } element)
            return FromConfiguration(element);
        return !type.IsInterface && !type.IsAbstract && type.GetConstructor(Type.EmptyTypes) is not null;
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Guid) || type == typeof(Uri)
        || (!type.IsInterface && !type.IsAbstract && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)));

    private static string Describe(Type type) =>
        type == typeof(TimeSpan) ? "a duration (\"00:00:30\" is 30 seconds; a bare number is days)"
        : type == typeof(bool) ? "true or false"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : $"a {type.Name}";

    private static Type[]? Generic(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
            return type.GetGenericArguments();
        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();
    }
}
