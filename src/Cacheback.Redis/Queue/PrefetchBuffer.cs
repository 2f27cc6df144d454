using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// The requests one take prefetched beyond the first: already in flight in Redis, handed out one
/// per <see cref="RedisRefreshQueue.TakeAsync"/>, their deadlines renewed while they wait (and
/// given back to the pending list when the queue is disposed). Safe across threads.
/// </summary>
internal sealed class PrefetchBuffer
{
    private readonly Queue<RefreshRequest> _requests = new();

    public int Count
    {
        get
        {
            lock (_requests)
                return _requests.Count;
        }
    }

    public void Add(RefreshRequest request)
    {
        lock (_requests)
            _requests.Enqueue(request);
    }

    /// <summary>The oldest request, or null when none waits.</summary>
    public RefreshRequest? TryTake()
    {
        lock (_requests)
            return _requests.TryDequeue(out var request) ? request : null;
    }

    /// <summary>Drops the requests <paramref name="lost"/> says are no longer this taker's.</summary>
    public void RemoveWhere(Func<RefreshRequest, bool> lost)
    {
        lock (_requests)
        {
            var kept = _requests.Where(request => !lost(request)).ToArray();
            _requests.Clear();
            foreach (var request in kept)
                _requests.Enqueue(request);
        }
    }

    /// <summary>(id, attempt) of every waiting request, as script arguments; emptied when <paramref name="clear"/>.</summary>
    public RedisValue[] Deliveries(ConditionalWeakTable<RefreshRequest, QueueDelivery> deliveries, bool clear)
    {
        lock (_requests)
        {
            var pairs = new List<RedisValue>(_requests.Count * 2);
            foreach (var request in _requests)
            {
                if (deliveries.TryGetValue(request, out var delivery))
                {
                    pairs.Add(delivery.Id);
                    pairs.Add(delivery.Attempt);
                }
            }

            if (clear)
                _requests.Clear();
            return [.. pairs];
        }
    }
}
