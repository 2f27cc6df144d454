using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Hybrid;

/// <summary>
/// Finds the serializer of a type as HybridCache does: an <see cref="IHybridCacheSerializer{T}"/>
/// registered for it, else the last registered <see cref="IHybridCacheSerializerFactory"/> that
/// takes it, else the built-in ones (UTF-8 for strings, raw bytes for byte arrays, System.Text.Json
/// for the rest).
/// </summary>
internal sealed class HybridSerializers(IServiceProvider? services)
{
    private readonly ConcurrentDictionary<Type, object> _found = new();
    private readonly IHybridCacheSerializerFactory[] _factories =
        services?.GetServices<IHybridCacheSerializerFactory>().Reverse().ToArray() ?? [];

    public IHybridCacheSerializer<T> For<T>() =>
        (IHybridCacheSerializer<T>)_found.GetOrAdd(typeof(T), static (_, self) => self.Find<T>(), this);

    private IHybridCacheSerializer<T> Find<T>()
    {
        if (services?.GetService<IHybridCacheSerializer<T>>() is { } registered)
            return registered;
        foreach (var factory in _factories)
        {
            if (factory.TryCreateSerializer<T>(out var made))
                return made;
        }

        if (typeof(T) == typeof(string))
            return (IHybridCacheSerializer<T>)(object)Utf8.Instance;
        if (typeof(T) == typeof(byte[]))
            return (IHybridCacheSerializer<T>)(object)Raw.Instance;
        return Json<T>.Instance;
    }

    private sealed class Utf8 : IHybridCacheSerializer<string>
    {
        public static readonly Utf8 Instance = new();

        public string Deserialize(ReadOnlySequence<byte> source) => Encoding.UTF8.GetString(source);

        public void Serialize(string value, IBufferWriter<byte> target) => Encoding.UTF8.GetBytes(value, target);
    }

    private sealed class Raw : IHybridCacheSerializer<byte[]>
    {
        public static readonly Raw Instance = new();

        public byte[] Deserialize(ReadOnlySequence<byte> source) => source.ToArray();

        public void Serialize(byte[] value, IBufferWriter<byte> target) => target.Write(value);
    }

    private sealed class Json<T> : IHybridCacheSerializer<T>
    {
        public static readonly Json<T> Instance = new();

        public T Deserialize(ReadOnlySequence<byte> source)
        {
            var reader = new Utf8JsonReader(source);
            return JsonSerializer.Deserialize<T>(ref reader)!;
        }

        public void Serialize(T value, IBufferWriter<byte> target)
        {
            using var writer = new Utf8JsonWriter(target);
            JsonSerializer.Serialize(writer, value);
        }
    }
}
