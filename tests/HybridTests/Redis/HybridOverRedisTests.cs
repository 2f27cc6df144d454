using Cacheback.Tests.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid.Tests.Redis;

/// <summary>Two nodes sharing a real redis-server: one refresh per stale episode across them, tags and removals seen by both, with and without an L1.</summary>
[Collection(RedisCollection.Name)]
public sealed class HybridOverRedisTests(RedisServerFixture redis)
{
    private static readonly HybridCacheEntryOptions OneMinute = new() { Expiration = TimeSpan.FromMinutes(1) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private async Task<(HybridNode A, HybridNode B)> TwoNodes(bool withL1, string test)
    {
        var prefix = $"hybrid:{test}:{withL1}:";
        return (await HybridNode.StartAsync(redis.Connection, prefix, _time, withL1), await HybridNode.StartAsync(redis.Connection, prefix, _time, withL1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task One_refresh_per_stale_episode_across_nodes(bool withL1)
    {
        var (a, b) = await TwoNodes(withL1, nameof(One_refresh_per_stale_episode_across_nodes));
        using var _ = a;
        using var __ = b;
        await a.Cache.SetAsync("k", "old", OneMinute);
        Assert.Equal("old", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
        _time.Advance(TimeSpan.FromMinutes(2));
        var calls = new Counter();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, ValueTask<string>> factory = async _ => { calls.Next(); return await gate.Task; };
        var refreshed = Task.WhenAny(a.Cache.NextRefreshEnded("k"), b.Cache.NextRefreshEnded("k"));

        var reads = Enumerable.Range(0, 40)
            .Select(i => (i % 2 == 0 ? a : b).Cache.GetOrCreateAsync("k", factory, OneMinute).AsTask())
            .ToArray();
        var served = await Task.WhenAll(reads).WaitAsync(RefreshWaits.Bound);
        gate.SetResult("new");
        await await refreshed;

        Assert.All(served, v => Assert.Equal("old", v));
        Assert.Equal(1, calls.Count);
        Assert.Equal("new", await a.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RemoveByTag_on_one_node_removes_the_entries_the_other_node_holds(bool withL1)
    {
        var (a, b) = await TwoNodes(withL1, nameof(RemoveByTag_on_one_node_removes_the_entries_the_other_node_holds));
        using var _ = a;
        using var __ = b;
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("v1"), OneMinute, ["t"]));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute, ["t"]));
        var seenByB = b.TagInvalidated("t");

        await a.Cache.RemoveByTagAsync("t");
        await seenByB;

        Assert.Equal("v2", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("v2"), OneMinute, ["t"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvalidateByTag_on_one_node_makes_the_other_serve_stale_and_refresh_once(bool withL1)
    {
        var (a, b) = await TwoNodes(withL1, nameof(InvalidateByTag_on_one_node_makes_the_other_serve_stale_and_refresh_once));
        using var _ = a;
        using var __ = b;
        await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("v1"), OneMinute, ["t"]);
        var seenByB = b.TagInvalidated("t");

        await a.Cache.InvalidateByTagAsync("t");
        await seenByB;
        var refreshed = b.Cache.NextRefreshEnded("k");
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("v2"), OneMinute, ["t"]));
        await refreshed;

        Assert.Equal("v2", await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<string>("unused"), OneMinute, ["t"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Remove_on_a_node_that_never_saw_the_type_removes_the_key_everywhere(bool withL1)
    {
        var (a, b) = await TwoNodes(withL1, nameof(Remove_on_a_node_that_never_saw_the_type_removes_the_key_everywhere));
        using var _ = a;
        using var __ = b;
        await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<int[]>([1, 2]), OneMinute);
        var seenByB = b.KeyInvalidated("k");

        await a.Cache.RemoveAsync("k");
        await seenByB;

        var read = await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<int[]>([3]), OneMinute);
        Assert.Equal(new[] { 3 }, read);
    }

    [Fact]
    public async Task An_entry_read_back_from_Redis_keeps_its_value_and_its_tags()
    {
        var (a, b) = await TwoNodes(false, nameof(An_entry_read_back_from_Redis_keeps_its_value_and_its_tags));
        using var _ = a;
        using var __ = b;
        await a.Cache.SetAsync("k", new Conformance.HybridCacheConformance.Widget("w", 3), OneMinute, ["x", "y"]);

        Assert.Equal(new Conformance.HybridCacheConformance.Widget("w", 3), await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<Conformance.HybridCacheConformance.Widget>(new Conformance.HybridCacheConformance.Widget("other", 0)), OneMinute, ["x", "y"]));
        await a.Cache.RemoveByTagAsync("y");
        Assert.Equal("other", (await b.Cache.GetOrCreateAsync("k", _ => new ValueTask<Conformance.HybridCacheConformance.Widget>(new Conformance.HybridCacheConformance.Widget("other", 0)), OneMinute, ["x", "y"])).Name);
    }
}
