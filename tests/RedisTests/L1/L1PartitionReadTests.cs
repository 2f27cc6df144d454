using System.Threading.Tasks.Sources;

namespace Cacheback.Tests.Redis.L1;

/// <summary>
/// How the memory layer consumes its shared store's reads. A <see cref="ValueTask{TResult}"/> may be
/// consumed once (issue 10, defect 1): a pooled async method's result is recycled after the first
/// await or <c>.Result</c>, and a second one throws, or reads another call's answer.
/// </summary>
[Collection(RedisCollection.Name)]
public class L1PartitionReadTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Read_SharedStoreAnswersSynchronously_ConsumesItsValueTaskOnce()
    {
        var shared = new SingleUseReadStore(Envelope.Fresh(1, "v", T0, T0.AddMinutes(10)));
        using var l1 = new L1Store(shared, redis.Connection.GetSubscriber(), RedisServerFixture.Prefix());
        await l1.Ready.WaitAsync(Queue.QueueTesting.Bound);
        var users = l1.Partition(new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

        var read = await users.ReadAsync("k");

        Assert.Equal("v", read?.Value);
        Assert.Equal(1, shared.Reads);
        Assert.Equal(0, shared.SecondConsumptions);
    }

    [Fact]
    public async Task Read_SharedStoreAnswersLater_ConsumesItsValueTaskOnce()
    {
        var shared = new SingleUseReadStore(Envelope.Fresh(1, "v", T0, T0.AddMinutes(10)), synchronous: false);
        using var l1 = new L1Store(shared, redis.Connection.GetSubscriber(), RedisServerFixture.Prefix());
        await l1.Ready.WaitAsync(Queue.QueueTesting.Bound);
        var users = l1.Partition(new PartitionSpec<string>("users", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));

        var pending = users.ReadAsync("k");
        shared.Answer();
        var read = await pending;

        Assert.Equal("v", read?.Value);
        Assert.Equal(0, shared.SecondConsumptions);
    }

    /// <summary>
    /// A shared store whose reads are <see cref="IValueTaskSource{TResult}"/>-backed, as a pooled
    /// async method's are, and that throws (and counts) when one is consumed a second time.
    /// </summary>
    private sealed class SingleUseReadStore(Envelope<string> stored, bool synchronous = true) : ICacheStore
    {
        private Envelope<string> Stored { get; } = stored;

        private bool Synchronous { get; } = synchronous;

        private readonly List<Source> _sources = [];
        private int _reads;
        private int _second;

        public int Reads => Volatile.Read(ref _reads);

        public int SecondConsumptions => Volatile.Read(ref _second);

        public void Answer()
        {
            lock (_sources)
            {
                foreach (var source in _sources)
                    source.Complete();
            }
        }

        public IEnvelopeStore<T> Partition<T>(PartitionSpec<T> spec) => (IEnvelopeStore<T>)(object)new Users(this);

        private sealed class Users(SingleUseReadStore owner) : IEnvelopeStore<string>
        {
            public ValueTask<Envelope<string>?> ReadAsync(string key, CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref owner._reads);
                var source = new Source(owner, owner.Stored);
                if (owner.Synchronous)
                    source.Complete();
                else
                    lock (owner._sources)
                        owner._sources.Add(source);
                return new(source, source.Version);
            }

            public ValueTask<bool> CompareAndSetAsync(string key, long expectedVersion, Envelope<string> next, TimeSpan ttl, CancellationToken cancellationToken = default) => new(true);

            public ValueTask WriteAsync(string key, Envelope<string> envelope, TimeSpan ttl, CancellationToken cancellationToken = default) => default;

            public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => new(true);
        }

        private sealed class Source(SingleUseReadStore owner, Envelope<string> stored) : IValueTaskSource<Envelope<string>?>
        {
            private ManualResetValueTaskSourceCore<Envelope<string>?> _core;
            private int _consumed;

            public short Version => _core.Version;

            public void Complete() => _core.SetResult(stored);

            public Envelope<string>? GetResult(short token)
            {
                if (Interlocked.Exchange(ref _consumed, 1) == 1)
                    throw Reused();
                var result = _core.GetResult(token);
                // What a pooled source does once consumed: it is ready for another call.
                _core.Reset();
                return result;
            }

            public ValueTaskSourceStatus GetStatus(short token) =>
                Volatile.Read(ref _consumed) == 1 ? throw Reused() : _core.GetStatus(token);

            private InvalidOperationException Reused()
            {
                Interlocked.Increment(ref owner._second);
                return new InvalidOperationException("This ValueTask was consumed already (a pooled source would have been reused).");
            }

            public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
                _core.OnCompleted(continuation, state, token, flags);
        }
    }
}
