namespace Cacheback.Soak;

/// <summary>Counts the runtime's refresh outcomes (<see cref="CachebackRuntime.Outcomes"/>) by result.</summary>
public sealed class OutcomeTally(SoakCounters counters) : IObserver<RefreshOutcome>
{
    public void OnNext(RefreshOutcome value) => counters.Add(SoakCounters.OutcomePrefix + value.Result);

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }
}
