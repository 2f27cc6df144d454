using System.Collections.Concurrent;

namespace Cacheback;

/// <summary>
/// At most one running operation per key in this process: callers that arrive while it runs share
/// its task. The operation never sees a caller's cancellation token; a caller that cancels only
/// stops waiting.
/// </summary>
internal sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Task<T>> _flights = new(StringComparer.Ordinal);

    /// <summary>
    /// Joins the operation running for <paramref name="key"/>, or starts <paramref name="operation"/>.
    /// The caller has joined by the time this returns.
    /// </summary>
    public Task<T> Run<TState>(string key, TState state, Func<TState, Task<T>> operation)
    {
        if (_flights.TryGetValue(key, out var running))
            return running;
        var mine = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        running = _flights.GetOrAdd(key, mine.Task);
        if (running != mine.Task)
            return running;
        _ = Complete(key, mine, state, operation);
        return mine.Task;
    }

    private async Task Complete<TState>(string key, TaskCompletionSource<T> flight, TState state, Func<TState, Task<T>> operation)
    {
        try
        {
            var value = await operation(state).ConfigureAwait(false);
            // Leave the flight before releasing the callers: whoever comes next reads the stored value.
            _flights.TryRemove(new KeyValuePair<string, Task<T>>(key, flight.Task));
            flight.SetResult(value);
        }
#pragma warning disable CA1031 // The exception goes to every caller through the task.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _flights.TryRemove(new KeyValuePair<string, Task<T>>(key, flight.Task));
            flight.SetException(e);
            // Every caller may have stopped waiting: the failure was reported already, don't let it go unobserved.
            _ = flight.Task.Exception;
        }
    }
}
