using System.Threading.Channels;

namespace Cacheback;

/// <summary>
/// The embedded default queue: a bounded channel in this process. Enqueueing never waits; a full
/// queue refuses with <see cref="RefreshQueueUnavailableException"/> (and the caller runs the
/// refresh in the runtime's local lane instead). One worker takes from it.
/// </summary>
public sealed class InProcessQueue : IRefreshQueue, IMonitoredQueue
{
    private readonly Channel<RefreshRequest> _channel;

    /// <summary>Creates a queue that holds at most <paramref name="capacity"/> waiting requests.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public InProcessQueue(int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _channel = Channel.CreateBounded<RefreshRequest>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>False: its requests never leave this process.</summary>
    public bool IsShared => false;

    /// <summary>How many requests may wait.</summary>
    public int Capacity { get; }

    /// <summary>How many requests are waiting.</summary>
    public int Count => _channel.Reader.Count;

    long? IMonitoredQueue.Depth => Count;

    long? IMonitoredQueue.DeadLetters => null;

    /// <inheritdoc />
    public async ValueTask<RefreshRequest?> TakeAsync(CancellationToken cancellationToken)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_channel.Reader.TryRead(out var request))
                return request;
        }

        return null;
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(RefreshRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_channel.Writer.TryWrite(request))
            throw new RefreshQueueUnavailableException($"The in-process refresh queue is full ({Capacity} requests waiting) or closed.");
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(RefreshOutcome outcome, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Takes no more requests; <see cref="TakeAsync"/> returns null once the waiting ones are taken.</summary>
    public void Close() => _channel.Writer.TryComplete();
}
