using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace Cacheback;

/// <summary>
/// The run-one-refresh operator, with its timeout and its outcome: on subscription it starts the
/// refresh on the scheduler, and yields exactly one <see cref="RefreshOutcome"/>: the refresh's
/// result, <see cref="RefreshResult.Failed"/> with what it threw (even before it returned a task),
/// or <see cref="RefreshResult.TimedOut"/> once the timeout, timed on the scheduler, has passed; a
/// timeout also cancels the refresh's token. The sequence completes only when the refresh's task
/// has ended, whatever came out first: the slot it holds in a bounded merge stays taken until then,
/// and is always given back, since the refresh is started by the scheduler, never skipped.
/// Disposing it cancels the refresh and gives the slot up at once.
/// </summary>
internal sealed class RefreshWithin(
    RefreshRequest request, Func<RefreshRequest, CancellationToken, Task<RefreshResult>> refresh, Func<TimeSpan> timeout, IScheduler scheduler)
    : IObservable<RefreshOutcome>
{
    private RefreshRequest Request { get; } = request;

    private Func<RefreshRequest, CancellationToken, Task<RefreshResult>> Refresh { get; } = refresh;

    private Func<TimeSpan> Timeout { get; } = timeout;

    private IScheduler Scheduler { get; } = scheduler;

    public IDisposable Subscribe(IObserver<RefreshOutcome> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var sink = new Sink(this, observer);
        sink.Run();
        return sink;
    }

    private sealed class Sink(RefreshWithin parent, IObserver<RefreshOutcome> downstream) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly SerialDisposable _timer = new();
        private readonly SingleAssignmentDisposable _start = new();
        private readonly object _gate = new();
        private DateTimeOffset _started;
        private TimeSpan _timeout;
        private bool _reported;
        private bool _done;

        public void Run() => _start.Disposable = parent.Scheduler.Schedule(this, static (IScheduler _, Sink sink) =>
        {
            sink.Start();
            return Disposable.Empty;
        });

        public void Dispose()
        {
            lock (_gate)
                _done = true;
            _start.Dispose();
            _timer.Dispose();
            Cancel();
        }

        private void Start()
        {
            if (_cancel.IsCancellationRequested)
                return; // disposed before it started: nobody waits for it
            _started = parent.Scheduler.Now;
            Task<RefreshResult> task;
            try
            {
                _timeout = parent.Timeout();
                _timer.Disposable = parent.Scheduler.Schedule(this, _timeout, static (IScheduler _, Sink sink) =>
                {
                    sink.TimedOut();
                    return Disposable.Empty;
                });
                task = parent.Refresh(parent.Request, _cancel.Token)
                    ?? throw new InvalidOperationException($"The refresh of {parent.Request.Job} '{parent.Request.Key}' returned no task.");
            }
#pragma warning disable CA1031 // Whatever the refresh throws is its request's failure, never the pipeline's.
            catch (Exception e)
#pragma warning restore CA1031
            {
                task = Task.FromException<RefreshResult>(e);
            }

            task.ContinueWith(static (ended, state) => ((Sink)state!).Ended(ended), this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private void TimedOut()
        {
            Report(new RefreshOutcome(parent.Request, RefreshResult.TimedOut, Elapsed(),
                new TimeoutException($"The refresh ran longer than its timeout of {_timeout}.")));
            Cancel();
        }

        private void Ended(Task<RefreshResult> task)
        {
            _timer.Dispose();
            Report(task.Status == TaskStatus.RanToCompletion
                ? new RefreshOutcome(parent.Request, task.Result, Elapsed())
                : new RefreshOutcome(parent.Request, RefreshResult.Failed, Elapsed(),
                    task.Exception is { InnerExceptions: [var single] } ? single : (Exception?)task.Exception ?? new TaskCanceledException(task)));
            lock (_gate)
            {
                if (_done)
                    return;
                _done = true;
                downstream.OnCompleted();
            }

            _cancel.Dispose();
        }

        /// <summary>Passes the first outcome on; whichever comes second (the end of a timed-out refresh) is dropped.</summary>
        private void Report(RefreshOutcome outcome)
        {
            lock (_gate)
            {
                if (_reported || _done)
                    return;
                _reported = true;
                downstream.OnNext(outcome);
            }
        }

        private TimeSpan Elapsed() => parent.Scheduler.Now - _started;

        private void Cancel()
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The refresh has ended: nothing to cancel.
            }
#pragma warning disable CA1031 // A callback the refresh registered on its token threw: the refresh's business, not the pipeline's.
            catch (AggregateException)
#pragma warning restore CA1031
            {
            }
        }
    }
}
