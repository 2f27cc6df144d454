using System.Threading.Tasks.Sources;

namespace Cacheback.Hybrid.Tests.Cacheback;

/// <summary>
/// A memory store that looks shared and answers each read with a completed ValueTask that may be
/// consumed once, as a pooled one (Redis's reads) may: its source may serve another operation once
/// its result was taken, so a second look fails here, instead of now and then, under load, there.
/// </summary>
internal sealed class OneShotReadStore(TimeProvider time) : ICacheStore
{
    private readonly MemoryStore _inner = new(time);

    public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => new OneShot<T>(_inner.Partition(spec));

    private sealed class OneShot<T>(IEnvelopeStore<T> inner) : IEnvelopeStore<T>
    {
        public ValueTask<Envelope<T>?> ReadAsync(string key, CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(key, cancellationToken);
            Assert.True(read.IsCompletedSuccessfully, "The memory store answers at once.");
            return new ValueTask<Envelope<T>?>(new Source<Envelope<T>?>(read.Result), 0);
        }

        public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<T> next, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            inner.CompareAndSetAsync(key, expectedVersion, next, ttl, cancellationToken);

        public ValueTask WriteAsync(string key, Envelope<T> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(key, envelope, ttl, cancellationToken);

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }

    /// <summary>A completed result that can be taken once; any look after that throws, as a recycled pooled source would.</summary>
    private sealed class Source<TResult>(TResult result) : IValueTaskSource<TResult>
    {
        private int _taken;

        public TResult GetResult(short token) =>
            Interlocked.Exchange(ref _taken, 1) == 0 ? result : throw Consumed();

        public ValueTaskSourceStatus GetStatus(short token) =>
            Volatile.Read(ref _taken) == 0 ? ValueTaskSourceStatus.Succeeded : throw Consumed();

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => throw Consumed();

        private static InvalidOperationException Consumed() => new("This ValueTask's result was taken already: a pooled source may be serving another read by now.");
    }
}
