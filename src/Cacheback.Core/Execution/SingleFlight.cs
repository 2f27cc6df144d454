using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// At most one running operation per key in this process: callers that arrive while it runs share
/// its outcome. The operation never sees a caller's cancellation token; a caller that cancels only
/// stops waiting.
/// </summary>
/// <remarks>
/// A miss pays for this, so the common case costs no allocation: a flight's entry is a plain
/// dictionary slot under a lock (no node per key), its task is made only when a second caller joins,
/// and an operation that completes at once hands its value straight back. A flight nobody joined is
/// kept as the spare for the next one.
/// </remarks>
internal sealed class SingleFlight<T>
{
    private readonly Dictionary<string, Flight> _flights = new(StringComparer.Ordinal);
    private Flight? _spare;

    /// <summary>
    /// Joins the operation running for <paramref name="key"/>, or starts <paramref name="operation"/>;
    /// <paramref name="cancellationToken"/> only stops this caller waiting. The caller has joined by
    /// the time this returns.
    /// </summary>
    public ValueTask<T> Run<TState>(string key, TState state, Func<TState, ValueTask<T>> operation, CancellationToken cancellationToken = default)
    {
        Flight flight;
        lock (_flights)
        {
            if (_flights.TryGetValue(key, out var running))
                return new(running.Joined().WaitAsync(cancellationToken));
            flight = _spare ?? new Flight();
            _spare = null;
            _flights.Add(key, flight);
        }

        ValueTask<T> operating;
        try
        {
            operating = operation(state);
        }
#pragma warning disable CA1031 // The exception goes to every caller.
        catch (Exception e)
#pragma warning restore CA1031
        {
            operating = ValueTask.FromException<T>(e);
        }

        if (!operating.IsCompleted)
        {
            // The owner waits like anyone who joins: on the flight's task, which a cancelled wait leaves running.
            Task<T> joined;
            lock (_flights)
                joined = flight.Joined();
            _ = LandAsync(key, flight, operating);
            return new(joined.WaitAsync(cancellationToken));
        }

        if (operating.IsCompletedSuccessfully)
        {
            var value = operating.Result;
            Land(key, flight)?.SetResult(value);
            return new(value);
        }

        var error = Error(operating);
        if (Land(key, flight) is { } joiners)
        {
            joiners.SetException(error);
            _ = joiners.Task.Exception;
        }

        return ValueTask.FromException<T>(error);
    }

    private async Task LandAsync(string key, Flight flight, ValueTask<T> operating)
    {
        try
        {
            var value = await operating.ConfigureAwait(false);
            Land(key, flight)!.SetResult(value);
        }
#pragma warning disable CA1031 // The exception goes to every caller through the task.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var joiners = Land(key, flight)!;
            joiners.SetException(e);
            // Every caller may have stopped waiting: the failure was reported already, don't let it go unobserved.
            _ = joiners.Task.Exception;
        }
    }

    /// <summary>
    /// Ends <paramref name="flight"/>: out of the map before its callers are released (whoever comes
    /// next reads the stored value). Its joiners' source, or null when none joined: then it is the spare.
    /// </summary>
    private TaskCompletionSource<T>? Land(string key, Flight flight)
    {
        lock (_flights)
        {
            _flights.Remove(key);
            var joiners = flight.Joiners;
            if (joiners is null)
                _spare = flight;
            else
                flight.Joiners = null;
            return joiners;
        }
    }

    private static Exception Error(ValueTask<T> faulted)
    {
        try
        {
            _ = faulted.Result;
            return new InvalidOperationException("A faulted operation had a result.");
        }
#pragma warning disable CA1031 // It is the operation's exception, handed on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }

    /// <summary>One running operation; only callers who join it make its task.</summary>
    private sealed class Flight
    {
        public TaskCompletionSource<T>? Joiners;

        /// <summary>The task the callers wait on (made by the first to ask). Under the lock.</summary>
        public Task<T> Joined() => (Joiners ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }
}
