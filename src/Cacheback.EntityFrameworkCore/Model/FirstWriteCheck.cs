using System.Collections;

namespace Cacheback;

/// <summary>
/// Writes a job's first real value with its serializer once: a value the serializer cannot write
/// then fails the first fetch, naming the job and the type, even on a store that keeps objects (the
/// memory store) — not later, on the first node whose store keeps bytes.
/// </summary>
internal sealed class FirstWriteCheck<T>(IPayloadSerializer<T> serializer, string job)
{
    private int _checked;

    /// <exception cref="InvalidOperationException">The serializer cannot write <paramref name="value"/>.</exception>
    public void Check(T value)
    {
        // Null and empty lists say nothing about the members: wait for a value that has some.
        if (value is null || value is ICollection { Count: 0 } || Volatile.Read(ref _checked) == 1)
            return;
        try
        {
            serializer.Serialize(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"Query job '{job}' cannot cache its value of type {value.GetType().Name}: its serializer ({serializer.GetType().Name}) failed to write it ({e.Message}). Give the job a projection to plain values, or a serializer for the type.", e);
        }

        Volatile.Write(ref _checked, 1);
    }
}
