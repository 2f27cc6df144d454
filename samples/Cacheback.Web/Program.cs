using Cacheback;
using Cacheback.Sandbox;
using Cacheback.Sandbox.Data;
using Cacheback.Web;
using Cacheback.Web.Compare;
using Cacheback.Web.Live;
using Cacheback.Web.Views;
using Microsoft.EntityFrameworkCore;

// The sandbox: the seed's views over a SQLite database, and a live page of what the cache does.
//
//   dotnet run --project samples/Cacheback.Web                      embedded: memory store, in-process refreshes
//   dotnet run --project samples/Cacheback.Web -- --redis [conn]    a web node on Redis (default 127.0.0.1:6379);
//       refreshes are left to worker processes: dotnet run --project samples/Cacheback.Worker
//
// Other settings as any ASP.NET Core app takes them: --urls, --Sandbox:Database=path.db,
// --Sandbox:SlowFetch=00:00:02, --Sandbox:Redis=conn (as --redis), --Cacheback:* (AddCacheback's
// settings), --Cacheback:Redis:* (AddCachebackRedis's), --Compare:* (the load run's).
var (redis, rest) = RedisArgument.Split(args);
var builder = WebApplication.CreateBuilder(rest);
redis ??= builder.Configuration["Sandbox:Redis"]; // the same, as a setting (tests, environment variables)
if (redis is not null)
{
    // The worker's defaults (samples/Cacheback.Worker): the same Redis, prefix and queue.
    builder.Services.AddCachebackRedis(o =>
    {
        o.Configuration ??= redis;
        o.KeyPrefix ??= "cacheback:demo:";
    });
    builder.Services.AddCacheback(o => o.RunRefreshWorker = false);
}
else
{
    builder.Services.AddCacheback();
}

builder.Services.AddSandboxJobs(builder.Configuration);
builder.Services.AddLiveFeed(redis is not null);
builder.Services.AddCompareCaches(builder.Configuration);

var app = builder.Build();
await SandboxDatabase.EnsureSeededAsync(app.Services.GetRequiredService<IDbContextFactory<SandboxDb>>());
app.MapSandboxViews();
app.MapLivePage();
app.MapCompareEndpoints();
await app.RunAsync();

/// <summary>The app's entry point, public for <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
