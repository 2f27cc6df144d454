using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cacheback;

/// <summary>
/// Whether a job's arguments survive the trip through a refresh request (JSON): checked when the
/// job is registered, so a worker never meets arguments it cannot rebuild.
/// </summary>
internal static class ArgumentCheck
{
    /// <summary>Throws unless <typeparamref name="TArgs"/> round-trips through JSON with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Why it does not: the message names the type and the member.</exception>
    public static void EnsureRoundTrips<TArgs>(JsonSerializerOptions? options = null)
    {
        var type = typeof(TArgs);
        var problem = Problem(type, options ?? KeyEncoding.Canonical);
        if (problem is not null)
            throw new ArgumentException(
                $"Arguments of type {type} cannot travel in a refresh request: {problem}. Use a type that JSON can rebuild (a record, a tuple, primitives), or give the job an argument serializer.",
                nameof(TArgs));
    }

    private static string? Problem(Type type, JsonSerializerOptions options)
    {
        if (type.IsInterface || type.IsAbstract)
            return "an interface or abstract type cannot be rebuilt from JSON";
        JsonTypeInfo info;
        try
        {
            options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
            info = options.GetTypeInfo(type);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return e.Message;
        }

        if (info.Kind != JsonTypeInfoKind.Object)
            return null;
        var boundToConstructor = info.Properties.Any(p => p.AssociatedParameter is not null);
        if (info.CreateObject is null && !boundToConstructor && !type.IsValueType)
            return "it has no constructor JSON can call (none without parameters, none whose parameters match its properties)";
        var lost = info.Properties.FirstOrDefault(p => p.Get is not null && p.Set is null && p.AssociatedParameter is null);
        return lost is null ? null : $"its member '{lost.Name}' is written but cannot be read back (no setter, no constructor parameter)";
    }
}
