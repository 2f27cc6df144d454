namespace Cacheback.Hybrid.Tests;

/// <summary>Waits on a background refresh without sleeping.</summary>
internal static class RefreshWaits
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>Completes when the next background refresh of <paramref name="key"/> this cache claimed ends; call before the read that claims it.</summary>
    public static Task NextRefreshEnded(this CachebackHybridCache cache, string key)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEnded(string k)
        {
            if (k == key && ended.TrySetResult())
                cache.RefreshEnded -= OnEnded;
        }

        cache.RefreshEnded += OnEnded;
        return ended.Task.WaitAsync(Bound);
    }
}
