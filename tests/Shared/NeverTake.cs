namespace Cacheback.Tests;

/// <summary>For test queues that hold nothing to take: waits until the worker stops.</summary>
public static class NeverTake
{
    public static async ValueTask<RefreshRequest?> Until(CancellationToken cancellationToken)
    {
        var never = new TaskCompletionSource<RefreshRequest?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => never.TrySetCanceled(cancellationToken));
        return await never.Task;
    }
}
