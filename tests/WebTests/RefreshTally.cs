using System.Collections.Concurrent;

namespace Cacheback.Web.Tests;

/// <summary>
/// Background refreshes of each job that have ended, from the runtime's event stream: a refresh
/// ends after its value is written, so a read after <see cref="WhenAsync"/> sees it. (A fetch counted
/// by <see cref="Sandbox.FetchCounter"/> has returned, but its write may still be under way.)
/// </summary>
public sealed class RefreshTally : IObserver<CacheEvent>, IDisposable
{
    private readonly ConcurrentDictionary<string, long> _ended = new(StringComparer.Ordinal);
    private readonly List<(string Job, long Count, TaskCompletionSource Done)> _waiters = [];
    private readonly IDisposable _subscription;

    public RefreshTally(CachebackRuntime runtime) => _subscription = runtime.Events.Subscribe(this);

    /// <summary>Completes once <paramref name="count"/> background refreshes of <paramref name="job"/> have ended.</summary>
    public Task WhenAsync(string job, long count)
    {
        lock (_waiters)
        {
            if (_ended.GetValueOrDefault(job) >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((job, count, done));
            return done.Task;
        }
    }

    public void OnNext(CacheEvent value)
    {
        if (value.Kind != CacheEventKind.RefreshCompleted)
            return;
        lock (_waiters)
        {
            var count = _ended.AddOrUpdate(value.Job, 1, (_, c) => c + 1);
            foreach (var waiter in _waiters.Where(w => w.Job == value.Job && w.Count <= count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose() => _subscription.Dispose();
}
