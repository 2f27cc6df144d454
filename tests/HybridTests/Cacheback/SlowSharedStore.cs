namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>
/// A memory store that looks shared (it is not a <see cref="MemoryStore"/>) and whose
/// compare-and-sets wait on a gate while <see cref="HoldWrites"/> is set, counting them: a store whose
/// writes take a round trip, as Redis's do.
/// </summary>
internal sealed class SlowSharedStore(TimeProvider time) : ICacheStore
{
    private readonly MemoryStore _inner = new(time);
    private TaskCompletionSource _gate = Open();

    public int CompareAndSets;

    public bool HoldWrites { get; private set; }

    public void Hold()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HoldWrites = true;
    }

    public void Release()
    {
        HoldWrites = false;
        _gate.TrySetResult();
    }

    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new Slow<T>(this, _inner.Partition(spec));

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private sealed class Slow<T>(SlowSharedStore owner, IEnvelopeStore<T> inner) : IEnvelopeStore<T>
    {
        public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default) => inner.ReadAsync(key, cancellationToken);

        public async ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref owner.CompareAndSets);
            await owner._gate.Task;
            return await inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);
        }

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) => inner.WriteAsync(key, envelope, ttl, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
