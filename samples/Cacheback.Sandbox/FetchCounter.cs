using System.Collections.Concurrent;

namespace Cacheback.Sandbox;

/// <summary>
/// How many fetches of each job this process has run (each one a database query): the number the
/// pages show, so that a reader sees a hit cost nothing. Tests wait on it instead of sleeping.
/// </summary>
public sealed class FetchCounter
{
    private readonly Tally _started = new();
    private readonly Tally _finished = new();

    /// <summary>The fetches of <paramref name="job"/> finished so far.</summary>
    public long this[string job] => _finished[job];

    /// <summary>The fetches of <paramref name="job"/> started so far (a slow one counts here before it finishes).</summary>
    public long StartedOf(string job) => _started[job];

    /// <summary>Counts a fetch of <paramref name="job"/> that began waiting on its slow backend.</summary>
    public void Started(string job) => _started.Add(job);

    /// <summary>Counts one finished fetch of <paramref name="job"/>.</summary>
    public void Record(string job) => _finished.Add(job);

    /// <summary>Completes once <paramref name="job"/> has been fetched <paramref name="count"/> times.</summary>
    public Task WhenAsync(string job, long count) => _finished.WhenAsync(job, count);

    /// <summary>Completes once <paramref name="count"/> fetches of <paramref name="job"/> have started.</summary>
    public Task WhenStartedAsync(string job, long count) => _started.WhenAsync(job, count);

    private sealed class Tally
    {
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly List<(string Job, long Count, TaskCompletionSource Done)> _waiters = [];

        public long this[string job] => _counts.GetValueOrDefault(job);

        public void Add(string job)
        {
            lock (_waiters)
            {
                var count = _counts.AddOrUpdate(job, 1, (_, c) => c + 1);
                foreach (var waiter in _waiters.Where(w => w.Job == job && w.Count <= count).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Done.TrySetResult();
                }
            }
        }

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
}
