using System.Collections.Concurrent;

namespace ConsumerApp;

/// <summary>The expensive read: "key#n" for its n-th fetch of key, so a test can tell fetches apart.</summary>
public sealed class Source
{
    private readonly ConcurrentDictionary<string, int> _fetches = new(StringComparer.Ordinal);

    public int Fetches(string key) => _fetches.GetValueOrDefault(key);

    public Task<string> FetchAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult($"{key}#{_fetches.AddOrUpdate(key, 1, (_, n) => n + 1)}");
    }
}
