using System.Collections;
using System.Reflection;

namespace Cacheback;

/// <summary>
/// Whether values of a type can be cached as plain data: written by a serializer and read back in
/// another process. Checked when a query job is defined, so a type that cannot be fails there,
/// naming the member, rather than in a worker at night.
/// </summary>
internal static class CacheableCheck
{
    /// <summary>Throws unless <paramref name="type"/> is plain data: no cycle among its members' types, nothing a serializer cannot write.</summary>
    /// <exception cref="ArgumentException">The path to the member at fault, and why.</exception>
    public static void Ensure(Type type, string job)
    {
        var problem = Problem(type, [], new Stack<Type>([type]), []);
        if (problem is not null)
            throw new ArgumentException(
                $"Query job '{job}' cannot cache {type.Name}: {problem}. Give the job a projection to plain values (select the fields you need into a record).",
                nameof(type));
    }

    private static string? Problem(Type type, List<string> path, Stack<Type> open, HashSet<Type> done)
    {
        if (Unwritable(type) is { } why)
            return $"{type.Name} is {why}";
        if (IsLeaf(type) || done.Contains(type))
            return null;
        foreach (var (name, memberType) in Children(type))
        {
            var inner = Element(memberType) ?? memberType;
            var member = $"{Display(type)}.{name}";
            if (Unwritable(inner) is { } memberWhy)
                return $"{member} is {memberWhy}";
            if (open.Contains(inner))
                return $"its navigations or members form a cycle ({string.Join(" → ", path.Append(member))} → {inner.Name} again), which cannot be written as plain data";
            if (IsLeaf(inner))
                continue;

            path.Add(member);
            open.Push(inner);
            var problem = Problem(inner, path, open, done);
            open.Pop();
            path.RemoveAt(path.Count - 1);
            if (problem is not null)
                return problem;
        }

        done.Add(type);
        return null;
    }

    private static string Display(Type type) => Element(type) is { } element ? $"{element.Name}[]" : type.Name;

    /// <summary>What the serializer writes of an object: its public instance properties and fields.</summary>
    private static IEnumerable<(string Name, Type Type)> Children(Type type)
    {
        if (Element(type) is { } element)
            return [("[]", element)];
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;
        return type.GetProperties(Public).Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0).Select(p => (p.Name, p.PropertyType))
            .Concat(type.GetFields(Public).Select(f => (f.Name, f.FieldType)));
    }

    /// <summary>The element type of a collection (a dictionary's value type), or null.</summary>
    private static Type? Element(Type type)
    {
        if (type == typeof(string) || type == typeof(byte[]))
            return null;
        if (type.IsArray)
            return type.GetElementType();
        var interfaces = type.IsInterface ? type.GetInterfaces().Append(type) : type.GetInterfaces();
        var generic = interfaces.Where(i => i.IsGenericType).ToArray();
        var dictionary = generic.FirstOrDefault(i => i.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)));
        if (dictionary is not null)
            return dictionary.GetGenericArguments()[1];
        return generic.FirstOrDefault(i => i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(byte[]) || type == typeof(Uri) || type == typeof(Version);
    }

    /// <summary>Why a serializer cannot write (or cannot read back) a value of <paramref name="type"/>; null if it can.</summary>
    private static string? Unwritable(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (typeof(Delegate).IsAssignableFrom(type))
            return $"a delegate ({type.Name})";
        if (typeof(Task).IsAssignableFrom(type) || type.Name.StartsWith("ValueTask", StringComparison.Ordinal))
            return $"a task ({type.Name})";
        if (typeof(Stream).IsAssignableFrom(type) || typeof(IDisposable).IsAssignableFrom(type) && !typeof(IEnumerable).IsAssignableFrom(type))
            return $"a stream or other resource ({type.Name})";
        if (typeof(MemberInfo).IsAssignableFrom(type))
            return $"a reflection type ({type.Name})";
        if (type.IsPointer || type.IsByRefLike || type == typeof(IntPtr) || type == typeof(UIntPtr))
            return $"a pointer ({type.Name})";
        if (type == typeof(object))
            return "typed object: a serializer without type names cannot read its value back";
        if ((type.IsInterface || type.IsAbstract) && Element(type) is null)
            return $"an interface or abstract type ({type.Name}) that cannot be rebuilt from bytes";
        return null;
    }
}
