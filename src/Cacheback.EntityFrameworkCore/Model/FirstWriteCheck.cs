using System.Collections;

namespace Cacheback;

/// <summary>
/// Writes a job's first real value with its serializer and reads it back, once: a value the
/// serializer cannot write (or rebuild) then fails the first fetch, naming the job and the type,
/// even on a store that keeps objects (the memory store) — not later, on the first node whose store
/// keeps bytes, or in a reader in another process.
/// </summary>
internal sealed class FirstWriteCheck<T>(IPayloadSerializer<T> serializer, string job)
{
    private int _checked;

    /// <exception cref="InvalidOperationException">The serializer cannot write <paramref name="value"/>, or not read it back.</exception>
    public void Check(T value)
    {
        // Null and empty lists say nothing about the members: wait for a value that has some.
        if (value is null || value is ICollection { Count: 0 } || Volatile.Read(ref _checked) == 1)
            return;
        byte[] bytes;
        try
        {
            bytes = serializer.Serialize(value);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Failure(value, "failed to write it", e);
        }

        try
        {
            serializer.Deserialize(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Failure(value, "wrote it but cannot read it back", e);
        }

        Volatile.Write(ref _checked, 1);
    }

    private InvalidOperationException Failure(T value, string what, Exception e) =>
        new($"Query job '{job}' cannot cache its value of type {value!.GetType().Name}: its serializer ({serializer.GetType().Name}) {what} ({e.Message}). Give the job a projection to plain values (a record of the fields you need), or a serializer for the type.", e);
}
