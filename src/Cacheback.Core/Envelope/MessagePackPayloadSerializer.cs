using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Cacheback;

/// <summary>
/// The default payload serializer: MessagePack (MessagePack-CSharp), with a resolver that needs no
/// attributes on plain records and classes, and the safety settings for bytes from a shared store.
/// </summary>
/// <remarks>
/// <para>By default the resolver is <see cref="ContractlessStandardResolver"/>: public properties and
/// fields are written as a map keyed by member name, and records and classes without a parameterless
/// constructor are rebuilt through the constructor whose parameters match those names. Types marked
/// <c>[MessagePackObject]</c> use their own contract. Ahead of it, <see cref="NativeDateTimeResolver"/>
/// keeps a <see cref="DateTime"/>'s <see cref="DateTime.Kind"/> (the standard timestamp would turn a
/// local time into UTC), so a cached value comes back equal to what was stored.</para>
/// <para>Reading always uses <see cref="MessagePackSecurity.UntrustedData"/> (hash-collision-resistant
/// dictionaries, a bounded object depth): the bytes come from a store other processes write to. A
/// typeless resolver, which writes .NET type names into the bytes and loads the types they name, is
/// refused: a type is never chosen by the bytes.</para>
/// <para>F# lists, sets, maps and unions have no formatter here (an F# record of scalars, arrays or
/// options does): cache those with <see cref="JsonPayloadSerializer{T}"/>, which System.Text.Json
/// reads for lists, sets and maps.</para>
/// <para>Bytes with anything after the value are refused as well. Whatever this serializer throws on
/// bytes it cannot read, the codec turns into an unreadable envelope: a miss, never an exception to the
/// caller. JSON stays one option away: <see cref="JsonPayloadSerializer{T}"/>.</para>
/// </remarks>
/// <typeparam name="T">The cached value's type.</typeparam>
public sealed class MessagePackPayloadSerializer<T> : IPayloadSerializer<T>
{
    private readonly MessagePackSerializerOptions _options;
    // Resolved on first use (a resolver may not know T, and then only reading or writing T fails):
    // the read path calls the formatter itself instead of looking it up per value.
    private IMessagePackFormatter<T>? _formatter;

    /// <summary>Creates a serializer over <paramref name="resolver"/>.</summary>
    /// <param name="resolver">How types are written; default <see cref="NativeDateTimeResolver"/> then <see cref="ContractlessStandardResolver"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="resolver"/> is typeless: it would load types named in the bytes.</exception>
    public MessagePackPayloadSerializer(IFormatterResolver? resolver = null)
    {
        resolver ??= DefaultResolver;
        if (IsTypeless(resolver))
            throw new ArgumentException(
                $"The resolver {resolver.GetType().Name} is typeless: it writes .NET type names into the bytes and loads the types they name. Use a resolver with a contract (the default is ContractlessStandardResolver).",
                nameof(resolver));
        _options = MessagePackSerializerOptions.Standard.WithResolver(resolver).WithSecurity(MessagePackSecurity.UntrustedData);
    }

    /// <summary>A shared instance with the default resolver.</summary>
    public static MessagePackPayloadSerializer<T> Default { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize(T value) => MessagePackSerializer.Serialize(value, _options);

    /// <inheritdoc />
    /// <exception cref="MessagePackSerializationException">The bytes are not one value of <typeparamref name="T"/>.</exception>
    public T Deserialize(ReadOnlySpan<byte> bytes)
    {
        // MessagePackReader reads memory, not spans: lend it a pooled copy. Formatters copy what they
        // keep (byte[], strings), so nothing refers to the loan once it is returned.
        var loan = ArrayPool<byte>.Shared.Rent(bytes.Length);
        try
        {
            bytes.CopyTo(loan);
            return Deserialize(loan.AsMemory(0, bytes.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(loan);
        }
    }

    /// <summary>
    /// The value from bytes already in memory (the codec's read path): no copy. What
    /// <see cref="MessagePackSerializer.Deserialize{T}(ReadOnlyMemory{byte}, MessagePackSerializerOptions, out int, CancellationToken)"/>
    /// does for these options (no compression), without its per-call formatter lookup, and with the
    /// same exception: a formatter's failure wrapped in a <see cref="MessagePackSerializationException"/>.
    /// </summary>
    internal T Deserialize(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        T value;
        try
        {
            var formatter = _formatter ??= _options.Resolver.GetFormatterWithVerify<T>();
            value = formatter.Deserialize(ref reader, _options);
        }
        catch (Exception e)
        {
            throw new MessagePackSerializationException($"Failed to deserialize {typeof(T).FullName} value.", e);
        }

        var read = reader.Consumed;
        if (read != bytes.Length)
            throw new MessagePackSerializationException($"{bytes.Length - read} bytes follow the {typeof(T).Name} value; a payload holds one value.");
        return value;
    }

    // One resolver (and so one formatter cache) for every T.
    private static IFormatterResolver DefaultResolver => MessagePackDefaults.Resolver;

    // A typeless resolver resolves object through TypelessFormatter (the formatter that names types).
    private static bool IsTypeless(IFormatterResolver resolver) =>
        resolver is TypelessContractlessStandardResolver or TypelessObjectResolver
        || resolver.GetFormatter<object>() is TypelessFormatter;
}

/// <summary>What every <see cref="MessagePackPayloadSerializer{T}"/> shares.</summary>
internal static class MessagePackDefaults
{
    /// <summary>DateTime with its Kind, then contractless: no attributes, no type names.</summary>
    public static readonly IFormatterResolver Resolver =
        CompositeResolver.Create(NativeDateTimeResolver.Instance, ContractlessStandardResolver.Instance);
}
