using System.Collections.Concurrent;

namespace Cacheback.Sandbox;

/// <summary>
/// How many fetches of each job this process has run (each one a database query): the number the
/// pages show, so that a reader sees a hit cost nothing. Tests wait on it instead of sleeping.
/// </summary>
public sealed class FetchCounter
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly List<(string Job, long Count, TaskCompletionSource Done)> _waiters = [];

    /// <summary>The fetches of <paramref name="job"/> so far.</summary>
    public long this[string job] => _counts.GetValueOrDefault(job);

    /// <summary>Counts one finished fetch of <paramref name="job"/>.</summary>
    public void Record(string job)
    {
        var count = _counts.AddOrUpdate(job, 1, (_, c) => c + 1);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Job == job && w.Count <= count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>Completes once <paramref name="job"/> has been fetched <paramref name="count"/> times.</summary>
    public Task WhenAsync(string job, long count)
    {
        lock (_waiters)
        {
            if (this[job] >= count)
                return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((job, count, done));
            return done.Task;
        }
    }
}
