using System.Collections.Concurrent;

namespace Cacheback.Tests.Properties;

/// <summary>
/// Runs async code on the test's own thread and nowhere else: what it posts to the synchronization
/// context (a <c>Task.Yield</c> behind a read's claim, say) queues here and runs when
/// <see cref="Settle{T}"/> pumps it, in order. Nothing waits on another thread or on real time: work
/// that has not finished once the queue is empty is waiting on something the test does not drive,
/// and that is an error, not a wait.
/// </summary>
internal sealed class TestThread : SynchronizationContext
{
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _posted = new();
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private volatile bool _leftTheThread;

    /// <summary>
    /// Starts <paramref name="start"/> with this thread's posts queued here, runs them until none is
    /// left, and returns its task, completed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The task had not finished once nothing was left to run.</exception>
    public static Task<T> Settle<T>(Func<Task<T>> start, string what)
    {
        var previous = Current;
        var context = new TestThread();
        SetSynchronizationContext(context);
        try
        {
            var task = start();
            while (context._posted.TryDequeue(out var work))
                work.Callback(work.State);
            if (context._leftTheThread)
                throw new InvalidOperationException($"{what} posted work from another thread: the code under test left the test thread.");
            return task.IsCompleted
                ? task
                : throw new InvalidOperationException($"{what} had not finished once everything it queued on the test thread ran: it waits on another thread or on real time.");
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <inheritdoc cref="Settle{T}(Func{Task{T}}, string)" />
    public static Task Settle(Func<Task> start, string what) =>
        Settle(async () => { await start(); return true; }, what);

    public override void Post(SendOrPostCallback d, object? state)
    {
        // Noted, not thrown: a throw here would land on whichever thread posted.
        if (Environment.CurrentManagedThreadId != _thread)
            _leftTheThread = true;
        _posted.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Nothing here blocks for another thread.");

    public override SynchronizationContext CreateCopy() => this;
}
