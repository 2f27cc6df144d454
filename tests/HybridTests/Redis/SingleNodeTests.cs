using Cacheback.Tests.Redis;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cacheback.Hybrid.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class SingleNodeTests(RedisServerFixture redis)
{
    private static readonly HybridCacheEntryOptions Short = new() { Expiration = TimeSpan.FromMilliseconds(200) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_stale_episode_after_a_fill_by_GetOrCreate_refreshes_once(bool withL1)
    {
        using var node = await HybridNode.StartAsync(redis.Connection, $"hybrid:single:{withL1}:{Guid.NewGuid():N}:", _time, withL1);
        var calls = new Counter();
        Func<CancellationToken, ValueTask<string>> factory = _ => new ValueTask<string>($"v{calls.Next()}");
        Assert.Equal("v1", await node.Cache.GetOrCreateAsync("k", factory, Short));

        for (var episode = 2; episode <= 4; episode++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            var refreshed = node.Cache.NextRefreshEnded("k");
            Assert.Equal($"v{episode - 1}", await node.Cache.GetOrCreateAsync("k", factory, Short));
            await refreshed;
            Assert.Equal($"v{episode}", await node.Cache.GetOrCreateAsync("k", factory, Short));
        }
    }
}
