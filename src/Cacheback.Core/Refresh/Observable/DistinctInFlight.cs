namespace Cacheback;

/// <summary>
/// The dedupe operator: each request becomes the sequence that runs it, unless a request of the
/// same claim (job, key, expected version) is in flight; then it becomes its
/// <see cref="RefreshResult.Duplicate"/> outcome, run never. A redelivered request so never runs
/// twice at once, while a newer claim on the same key does run. The claim is given back with the
/// run's first outcome (before it goes out, so whoever reacts to it may enqueue the key again), or
/// when the run ends or is disposed without one.
/// </summary>
internal sealed class DistinctInFlight(
    IObservable<RefreshRequest> source, RefreshesInFlight inFlight, Func<RefreshRequest, IObservable<RefreshOutcome>> run)
    : IObservable<IObservable<RefreshOutcome>>
{
    public IDisposable Subscribe(IObserver<IObservable<RefreshOutcome>> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return source.Subscribe(new Sink(observer, inFlight, run));
    }

    private sealed class Sink(
        IObserver<IObservable<RefreshOutcome>> downstream, RefreshesInFlight inFlight, Func<RefreshRequest, IObservable<RefreshOutcome>> run)
        : IObserver<RefreshRequest>
    {
        public void OnNext(RefreshRequest value) =>
            downstream.OnNext(inFlight.TryClaim(value)
                ? new Claimed(value, inFlight, run)
                : new Duplicate(new RefreshOutcome(value, RefreshResult.Duplicate, TimeSpan.Zero)));

        public void OnError(Exception error) => downstream.OnError(error);

        public void OnCompleted() => downstream.OnCompleted();
    }

    /// <summary>The run of a claimed request, giving the claim back as described above.</summary>
    private sealed class Claimed(RefreshRequest request, RefreshesInFlight inFlight, Func<RefreshRequest, IObservable<RefreshOutcome>> run)
        : IObservable<RefreshOutcome>
    {
        public IDisposable Subscribe(IObserver<RefreshOutcome> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            IDisposable subscription;
            try
            {
                subscription = run(request).Subscribe(new Releasing(observer, () => inFlight.Release(request)));
            }
            catch
            {
                inFlight.Release(request);
                throw;
            }

            return new Release(subscription, () => inFlight.Release(request));
        }
    }

    private sealed class Releasing(IObserver<RefreshOutcome> downstream, Action release) : IObserver<RefreshOutcome>
    {
        public void OnNext(RefreshOutcome value)
        {
            release();
            downstream.OnNext(value);
        }

        public void OnError(Exception error)
        {
            release();
            downstream.OnError(error);
        }

        public void OnCompleted()
        {
            release();
            downstream.OnCompleted();
        }
    }

    private sealed class Release(IDisposable subscription, Action release) : IDisposable
    {
        public void Dispose()
        {
            subscription.Dispose();
            release();
        }
    }

    /// <summary>A request that was not run: its one outcome, at once.</summary>
    private sealed class Duplicate(RefreshOutcome outcome) : IObservable<RefreshOutcome>
    {
        public IDisposable Subscribe(IObserver<RefreshOutcome> observer)
        {
            ArgumentNullException.ThrowIfNull(observer);
            observer.OnNext(outcome);
            observer.OnCompleted();
            return System.Reactive.Disposables.Disposable.Empty;
        }
    }
}
