using Cacheback.Sandbox.Data;

namespace Cacheback.Web.Views;

/// <summary>What one view read: the items, and what the cache held before the read (so the page can say hit, stale or miss).</summary>
/// <param name="View">The view's query string, as the seed's URLs have it.</param>
/// <param name="Job">The job's name.</param>
/// <param name="Explanation">What this job shows, in a sentence.</param>
/// <param name="Status">What the read found: <c>hit</c>, <c>stale</c> or <c>miss</c>.</param>
/// <param name="Items">What the read returned.</param>
/// <param name="FetchedAt">When the value now stored was fetched (null: nothing stored yet).</param>
/// <param name="FreshUntil">Until when it is fresh.</param>
/// <param name="Fetches">The job's fetches in this process so far.</param>
internal sealed record ViewRead(string View, string Job, string Explanation, string Status, Item[] Items, DateTimeOffset? FetchedAt, DateTimeOffset? FreshUntil, long Fetches)
{
    /// <summary>
    /// Reads through <paramref name="get"/>, peeking with <paramref name="rawGet"/> (no side effects)
    /// before, for the status, and after, for the stored envelope's times.
    /// </summary>
    public static Task<ViewRead> ReadAsync(
        string view, string job, string explanation, TimeProvider time, Func<long> fetches,
        Func<Task<Envelope<Item[]>?>> rawGet, Func<ValueTask<Item[]>> get) =>
        ReadAsync(view, job, explanation, time, fetches, rawGet, get, items => items);

    /// <summary>As the other, for a job whose value is not an array of items (a list, one item or none): <paramref name="items"/> says which items it holds.</summary>
    public static async Task<ViewRead> ReadAsync<T>(
        string view, string job, string explanation, TimeProvider time, Func<long> fetches,
        Func<Task<Envelope<T>?>> rawGet, Func<ValueTask<T>> get, Func<T, Item[]> items)
    {
        var before = await rawGet();
        var status = before switch
        {
            null or { HasValue: false } => "miss",
            _ when time.GetUtcNow() < before.FreshUntil => "hit",
            _ => "stale",
        };
        var value = await get();
        var after = await rawGet();
        var stored = after is { HasValue: true };
        return new ViewRead(view, job, explanation, status, items(value), stored ? after!.FetchedAt : null, stored ? after!.FreshUntil : null, fetches());
    }
}
