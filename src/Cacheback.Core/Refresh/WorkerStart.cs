namespace Cacheback;

/// <summary>One start of the worker: its loops, and the tokens that stop them.</summary>
internal sealed class WorkerStart
{
    public CancellationTokenSource StopTaking { get; } = new();

    public CancellationTokenSource Abandon { get; } = new();

    public Task[] Loops { get; set; } = [];

    /// <summary>The local lane's loop.</summary>
    public Task Lane { get; set; } = Task.CompletedTask;

    /// <summary>Whether its queues are drained too (<see cref="RefreshWorker.Start"/>), not only the lane.</summary>
    public bool DrainsQueues { get; set; }

    public Task Drained { get; set; } = Task.CompletedTask;

    public bool Stopping { get; set; }
}
