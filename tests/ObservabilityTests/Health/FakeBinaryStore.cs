using System.Collections.Concurrent;

namespace Cacheback.Tests.Observability.Health;

/// <summary>A byte store that works, throws, drops writes or never answers, as a test says.</summary>
internal sealed class FakeBinaryStore : IBinaryStore
{
    private readonly ConcurrentDictionary<string, byte[]> _bytes = new();

    public Exception? Throws { get; set; }

    public bool DropsWrites { get; set; }

    public bool Hangs { get; set; }

    /// <summary>Set when a call starts hanging.</summary>
    public TaskCompletionSource Hanging { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await Answer(cancellationToken);
        return _bytes.TryGetValue(key, out var bytes) ? bytes : null;
    }

    public async ValueTask SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await Answer(cancellationToken);
        if (!DropsWrites)
            _bytes[key] = value;
    }

    public async ValueTask<bool> SetIfVersionAsync(string key, long expectedVersion, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await Answer(cancellationToken);
        var stored = _bytes.TryGetValue(key, out var bytes) && EnvelopeCodec.TryReadVersion(bytes, out var version) ? version : 0;
        if (stored != expectedVersion)
            return false;
        if (!DropsWrites)
            _bytes[key] = value;
        return true;
    }

    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await Answer(cancellationToken);
        return _bytes.TryRemove(key, out _);
    }

    private Task Answer(CancellationToken cancellationToken)
    {
        if (Throws is { } e)
            throw e;
        // Never answers: only the caller's cancellation (the probe's timeout) ends the wait.
        if (!Hangs)
            return Task.CompletedTask;
        var hang = new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        Hanging.TrySetResult();
        return hang;
    }
}
