namespace Cacheback;

/// <summary>What stopping the refresh worker left undone.</summary>
/// <param name="Completed">Refreshes that finished while it drained.</param>
/// <param name="Abandoned">Refreshes still running or waiting when the drain time ran out: cancelled, not run to the end.</param>
/// <param name="LeftInQueue">Requests still in in-process queues, never taken (a shared queue keeps its own for another worker).</param>
public sealed record DrainReport(int Completed, IReadOnlyList<RefreshRequest> Abandoned, int LeftInQueue)
{
    /// <summary>Whether nothing was dropped.</summary>
    public bool IsClean => Abandoned.Count == 0 && LeftInQueue == 0;
}
