using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace Cacheback;

/// <summary>
/// The Rx scheduler of a runtime: its time is the runtime's <see cref="System.TimeProvider"/>, so
/// timeouts and backoffs run on virtual time under a test clock. Work due now goes to the thread
/// pool (a refresh never runs on the thread that took it); work due later waits on a timer of the
/// time provider. Built once per runtime.
/// </summary>
internal sealed class TimeProviderScheduler : IScheduler
{
    /// <summary>
    /// The longest single timer. The system's timers refuse waits past about 49.7 days; a longer
    /// wait is this many steps long, so no due time is ever refused.
    /// </summary>
    internal static readonly TimeSpan LongestTimer = TimeSpan.FromDays(30);

    public TimeProviderScheduler(TimeProvider timeProvider) =>
        TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

    /// <summary>The clock it follows.</summary>
    public TimeProvider TimeProvider { get; }

    /// <inheritdoc />
    public DateTimeOffset Now => TimeProvider.GetUtcNow();

    /// <inheritdoc />
    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var work = new Work<TState>(this, state, action);
        // Unsafe: a refresh must not inherit the ambient state (the take's span) of whoever scheduled it.
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), work, preferLocal: false);
        return work;
    }

    /// <inheritdoc />
    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (dueTime <= TimeSpan.Zero)
            return Schedule(state, action);
        var work = new Work<TState>(this, state, action);
        work.Arm(dueTime);
        return work;
    }

    /// <inheritdoc />
    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, dueTime - Now, action);

    /// <summary>One scheduled action: disposing it before it runs cancels it, after it ran disposes what it returned.</summary>
    private sealed class Work<TState>(TimeProviderScheduler scheduler, TState state, Func<IScheduler, TState, IDisposable> action) : IDisposable
    {
        private readonly SingleAssignmentDisposable _result = new();
        private readonly object _gate = new();
        private ITimer? _timer;
        private DateTimeOffset _due;
        private bool _disposed;

        /// <summary>Waits until <paramref name="dueTime"/> from now on the time provider, in steps no timer refuses.</summary>
        public void Arm(TimeSpan dueTime)
        {
            var now = scheduler.Now;
            lock (_gate)
                _due = dueTime < DateTimeOffset.MaxValue - now ? now + dueTime : DateTimeOffset.MaxValue;
            Wait(dueTime);
        }

        public void Run()
        {
            lock (_gate)
            {
                if (_disposed)
                    return;
            }

            _result.Disposable = action(scheduler, state);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _timer?.Dispose();
            }

            _result.Dispose();
        }

        private void Wait(TimeSpan remaining)
        {
            var step = remaining < LongestTimer ? remaining : LongestTimer;
            lock (_gate)
            {
                if (_disposed)
                    return;
                _timer?.Dispose();
                _timer = scheduler.TimeProvider.CreateTimer(static w => ((Work<TState>)w!).Elapsed(), this, step, Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>A step has passed: runs the action if it is due (by the clock, not by the steps counted), waits on otherwise.</summary>
        private void Elapsed()
        {
            TimeSpan remaining;
            lock (_gate)
                remaining = _due - scheduler.Now;
            if (remaining > TimeSpan.Zero)
                Wait(remaining);
            else
                Run();
        }
    }
}
