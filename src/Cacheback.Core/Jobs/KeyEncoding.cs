using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Cacheback;

/// <summary>
/// Keys from arguments, stable across processes, machines and restarts (never
/// <see cref="object.GetHashCode"/>): a string is its own key; a number, enum, Guid or date is its
/// invariant text; anything else is the SHA-256 of its canonical JSON (fields included, so tuples
/// work; dictionaries' entries in ordinal order of their names, at any depth, so that insertion
/// order does not matter), in hex.
/// </summary>
public static class KeyEncoding
{
    /// <summary>How arguments travel in refresh requests (and are checked to round-trip).</summary>
    internal static readonly JsonSerializerOptions Canonical = new() { IncludeFields = true };

    /// <summary>How arguments are written for hashing: <see cref="Canonical"/>, with dictionaries sorted.</summary>
    private static readonly JsonSerializerOptions Hashing = new() { IncludeFields = true, Converters = { new SortedDictionaryConverter() } };

    /// <summary>The default key function for <typeparamref name="TArgs"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="TArgs"/> cannot be encoded (a delegate, a task, a stream...).</exception>
    public static Func<TArgs, string> For<TArgs>()
    {
        var type = typeof(TArgs);
        if (type == typeof(string))
            return (Func<TArgs, string>)(object)new Func<string, string>(StringKey);
        if (IsScalar(Nullable.GetUnderlyingType(type) ?? type))
            return ScalarKey;
        if (typeof(Delegate).IsAssignableFrom(type) || typeof(Task).IsAssignableFrom(type) || typeof(Stream).IsAssignableFrom(type)
            || type == typeof(CancellationToken) || type.IsPointer || type.IsByRefLike)
            throw new ArgumentException($"Arguments of type {type} cannot be encoded into a cache key; pass a key function.", nameof(TArgs));
        return Hash;
    }

    /// <summary>The hex SHA-256 of the canonical JSON of <paramref name="args"/> (dictionary entries sorted by name, ordinal).</summary>
    /// <exception cref="ArgumentException">The arguments cannot be serialized.</exception>
    public static string Hash<TArgs>(TArgs args)
    {
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(args, Hashing);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"Arguments of type {typeof(TArgs)} cannot be encoded into a cache key ({e.Message}); pass a key function.", nameof(args), e);
        }

        return Convert.ToHexStringLower(SHA256.HashData(json));
    }

    private static string StringKey(string args) =>
        args ?? throw new ArgumentNullException(nameof(args), "A cache key cannot be null.");

    private static string ScalarKey<TArgs>(TArgs args) => args switch
    {
        null => throw new ArgumentNullException(nameof(args), "A cache key cannot be null."),
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => args.ToString() ?? "",
    };

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(Guid)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan);
}
