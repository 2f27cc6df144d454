using System.Collections.Concurrent;

namespace Cacheback.Web.Compare;

/// <summary>Per cache: requests served, those slower than the fetch itself (and of those, how many saw a GC), and fetches run.</summary>
internal sealed class CompareStats
{
    private readonly ConcurrentDictionary<string, Counts> _counts = new(StringComparer.Ordinal);

    public Counts For(string cache) => _counts.GetOrAdd(cache, _ => new Counts());

    public IReadOnlyDictionary<string, object> Snapshot() =>
        _counts.ToDictionary(p => p.Key, p => (object)new { requests = p.Value.Requests, slowerThanFetch = p.Value.Slow, slowDuringGc = p.Value.SlowDuringGc, fetches = p.Value.Fetches });

    internal sealed class Counts
    {
        private long _requests, _slow, _slowDuringGc, _fetches;

        public long Requests => Interlocked.Read(ref _requests);

        public long Slow => Interlocked.Read(ref _slow);

        public long SlowDuringGc => Interlocked.Read(ref _slowDuringGc);

        public long Fetches => Interlocked.Read(ref _fetches);

        public void Served(bool slow, bool duringGc)
        {
            Interlocked.Increment(ref _requests);
            if (slow)
                Interlocked.Increment(ref _slow);
            if (slow && duringGc)
                Interlocked.Increment(ref _slowDuringGc);
        }

        public void Fetched() => Interlocked.Increment(ref _fetches);
    }
}
