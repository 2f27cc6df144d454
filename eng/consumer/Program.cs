// An application that knows Cacheback only from its packages. Two hosts, one embedded
// (AddCacheback) and one on Redis (AddCachebackRedis, plus Microsoft's Redis IDistributedCache in
// the same process); in each, a cached function and a job go through a miss, a hit and a stale
// read. One line per check, "PASS name" or "FAIL name: why"; the exit code is 0 only if all passed.
//   CONSUMER_REDIS: the Redis connection string; CONSUMER_SE_REDIS_VERSION: the client version built against.
using ConsumerApp;

var redis = Environment.GetEnvironmentVariable("CONSUMER_REDIS");
var expectedClient = Environment.GetEnvironmentVariable("CONSUMER_SE_REDIS_VERSION");
if (string.IsNullOrEmpty(redis) || string.IsNullOrEmpty(expectedClient))
{
    Console.Error.WriteLine("Set CONSUMER_REDIS (a connection string) and CONSUMER_SE_REDIS_VERSION (eng/consumer.sh does).");
    return 2;
}

var checks = new Checks();

await checks.RunAsync($"StackExchange.Redis {expectedClient} is the client loaded", () =>
{
    var loaded = Scenarios.LoadedRedisClientVersion();
    Checks.Expect(loaded.StartsWith(expectedClient + "+", StringComparison.Ordinal) || loaded == expectedClient,
        $"the app runs StackExchange.Redis {loaded}");
    return Task.CompletedTask;
});

await checks.RunOnHostAsync("embedded", redis: null,
    ("cached function: miss, hit, stale then refreshed", Scenarios.CachedFunctionAsync),
    ("job: miss, hit, stale then refreshed", Scenarios.JobAsync),
    ("HybridCache (Cacheback.Hybrid): miss, hit, stale then refreshed, removed by tag", Scenarios.HybridCacheAsync));

await checks.RunOnHostAsync("redis", redis,
    ("IDistributedCache (Microsoft.Extensions.Caching.StackExchangeRedis): set, get", Scenarios.DistributedCacheAsync),
    ("cached function: miss, hit, stale then refreshed", Scenarios.CachedFunctionAsync),
    ("job: miss, hit, stale then refreshed", Scenarios.JobAsync),
    ("HybridCache (Cacheback.Hybrid): miss, hit, stale then refreshed, removed by tag", Scenarios.HybridCacheAsync));

return checks.Failed == 0 ? 0 : 1;
