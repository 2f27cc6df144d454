using Cacheback;
using Cacheback.Sandbox;
using Cacheback.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The counterpart of rqworker: drains a Cacheback refresh queue in Redis, running the jobs it
// knows by name, until Ctrl+C or SIGTERM (then it drains what it holds, up to DrainTimeout).
//
//   dotnet Cacheback.Worker.dll --Cacheback:Redis=127.0.0.1:6379 [--Worker:Prefix=cacheback:demo:]
//       [--Worker:Queue=default] [--Worker:VisibilityTimeout=00:02:00] [--Cacheback:Lifetime=00:10:00] ...
//   dotnet Cacheback.Worker.dll --reader ...   a reading node (no worker) driven by stdin lines
//   dotnet Cacheback.Worker.dll dead list [N] | requeue [N] | requeue-id ID | purge ...
//                                              the queue's dead letters (DeadLetterCommand), then exit
//
// Settings come from the command line, CACHEBACK__... environment variables or appsettings.json
// (Host.CreateApplicationBuilder's sources); every Cacheback:* option of AddCacheback and
// Cacheback:Redis:* option of AddCachebackRedis applies.
var reader = args.Contains("--reader");
// The words after "dead", up to the first option.
var dead = args.FirstOrDefault() == "dead" ? args.Skip(1).TakeWhile(a => !a.StartsWith('-')).ToArray() : null;
var builder = Host.CreateApplicationBuilder((dead is null ? args : args.Skip(1 + dead.Length)).Where(a => a != "--reader").ToArray());
var settings = WorkerSettings.From(builder.Configuration);
if (dead is not null)
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // results on stdout, log lines on stderr
if (settings.StartWhen is { } startKey && !reader && dead is null)
    // Added first, so the host starts it first: the worker takes no request before the key exists.
    builder.Services.AddHostedService(services => new StartGate(services.GetRequiredService<CachebackRedis>(), startKey));

// The app's caching: the same registrations as its web nodes make.
builder.Services.AddCachebackRedis(settings.ApplyTo);
builder.Services.AddDemoJobs();
builder.Services.AddSandboxJobs(builder.Configuration);           // samples/Cacheback.Web's jobs, by the same names
if (reader || dead is not null)
    builder.Services.AddCacheback(o => o.RunRefreshWorker = false); // a reading node, or an operator's command
else
    builder.Services.AddCachebackWorker();                           // this process refreshes them

using var host = builder.Build();
if (dead is not null)
    return await DeadLetterCommand.RunAsync(host.Services.GetRequiredService<CachebackRedis>().Queues[CachebackRuntimeOptions.DefaultName], dead, Console.Out, Console.Error);
if (reader)
    return await ReaderLoop.RunAsync(host.Services.GetRequiredKeyedService<CachedFetch<string, string>>(DemoJobs.ProfilesJob), Console.In, Console.Out);

host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.Out.WriteLine($"ready {Environment.ProcessId}"));
await host.RunAsync(); // CachebackRefreshService.StopAsync drains the worker on Ctrl+C / SIGTERM
return 0;

/// <summary>A benchmark starts every worker at one moment: they wait for a key to appear.</summary>
internal sealed class StartGate(CachebackRedis redis, string key) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Console.Out.WriteLine($"waiting {Environment.ProcessId}");
        var database = redis.Connection.GetDatabase();
        while (!await database.KeyExistsAsync(key))
            await Task.Delay(5, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The worker's own settings (the Worker section): shorthands for Cacheback:Redis options, which
/// they override when given, and StartWhen.
/// </summary>
internal sealed record WorkerSettings(string? Prefix, string? Queue, TimeSpan? VisibilityTimeout, TimeSpan? PollInterval, string? StartWhen, int? MaxLength, int? MaxDeadLetters)
{
    public static WorkerSettings From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var section = configuration.GetSection("Worker");
        return new(
            section["Prefix"],
            section["Queue"],
            section["VisibilityTimeout"] is { } visibility ? TimeSpan.Parse(visibility, System.Globalization.CultureInfo.InvariantCulture) : null,
            section["PollInterval"] is { } poll ? TimeSpan.Parse(poll, System.Globalization.CultureInfo.InvariantCulture) : null,
            section["StartWhen"],
            section["MaxLength"] is { } maxLength ? int.Parse(maxLength, System.Globalization.CultureInfo.InvariantCulture) : null,
            section["MaxDeadLetters"] is { } maxDead ? int.Parse(maxDead, System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The sample's defaults (a local Redis, the <c>cacheback:demo:</c> prefix), then the Worker settings given.</summary>
    public void ApplyTo(CachebackRedisOptions redis)
    {
        redis.Configuration ??= "127.0.0.1:6379";
        redis.KeyPrefix = Prefix ?? redis.KeyPrefix ?? "cacheback:demo:";
        if (Queue is not null)
            redis.Queues[CachebackRuntimeOptions.DefaultName] = Queue;
        var queue = redis.QueueOptions;
        redis.QueueOptions = queue with
        {
            VisibilityTimeout = VisibilityTimeout ?? queue.VisibilityTimeout,
            PollInterval = PollInterval ?? queue.PollInterval,
            MaxLength = MaxLength ?? queue.MaxLength,
            MaxDeadLetters = MaxDeadLetters ?? queue.MaxDeadLetters,
        };
    }
}
