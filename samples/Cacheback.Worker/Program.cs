using Cacheback;
using Cacheback.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

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
// (Host.CreateApplicationBuilder's sources); every Cacheback:* option of AddCacheback applies.
var reader = args.Contains("--reader");
// The words after "dead", up to the first option.
var dead = args.FirstOrDefault() == "dead" ? args.Skip(1).TakeWhile(a => !a.StartsWith('-')).ToArray() : null;
var builder = Host.CreateApplicationBuilder((dead is null ? args : args.Skip(1 + dead.Length)).Where(a => a != "--reader").ToArray());
var settings = WorkerSettings.From(builder.Configuration);

using var store = await RedisStore.ConnectAsync(settings.Redis, settings.Prefix);
if (dead is not null)
    return await RunDeadLetterCommandAsync(builder, store, settings, dead);
using var queue = new RedisRefreshQueue(store.Connection, settings.Queue, settings.QueueOptions());
builder.Services.AddCacheback(o =>
{
    o.Stores[CachebackRuntimeOptions.DefaultName] = store;
    o.Queues[CachebackRuntimeOptions.DefaultName] = queue;
    // Started below, once every job is registered: a request taken before would be an unknown job.
    o.RunRefreshWorker = false;
});
using var host = builder.Build();
var runtime = host.Services.GetRequiredService<CachebackRuntime>();
using var jobs = new DemoJobs(runtime, store.Connection, settings.Prefix);

if (reader)
    return await ReaderLoop.RunAsync(jobs, Console.In, Console.Out);

if (settings.StartWhen is { } startKey)
    await WaitForKeyAsync(store.Connection.GetDatabase(), startKey);
runtime.Worker.Start();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.Out.WriteLine($"ready {Environment.ProcessId}"));
await host.RunAsync(); // CachebackRefreshService.StopAsync drains the worker on Ctrl+C / SIGTERM
return 0;

// Results on stdout; the queue's log lines (such as dead letters left unreadable) on stderr.
static async Task<int> RunDeadLetterCommandAsync(HostApplicationBuilder builder, RedisStore store, WorkerSettings settings, string[] command)
{
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    using var host = builder.Build();
    using var queue = new RedisRefreshQueue(store.Connection, settings.Queue, settings.QueueOptions(), host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Cacheback.Redis"));
    return await DeadLetterCommand.RunAsync(queue, command, Console.Out, Console.Error);
}

// A benchmark starts every worker at one moment: they wait for a key to appear.
static async Task WaitForKeyAsync(IDatabase database, string key)
{
    Console.Out.WriteLine($"waiting {Environment.ProcessId}");
    while (!await database.KeyExistsAsync(key))
        await Task.Delay(5);
}

/// <summary>The worker's own settings (the Worker section, and Cacheback:Redis).</summary>
internal sealed record WorkerSettings(string Redis, string Prefix, string Queue, TimeSpan VisibilityTimeout, TimeSpan PollInterval, string? StartWhen, int MaxLength, int MaxDeadLetters)
{
    public static WorkerSettings From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var section = configuration.GetSection("Worker");
        return new(
            configuration["Cacheback:Redis"] ?? "127.0.0.1:6379",
            section["Prefix"] ?? "cacheback:demo:",
            section["Queue"] ?? CachebackRuntimeOptions.DefaultName,
            TimeSpan.Parse(section["VisibilityTimeout"] ?? "00:02:00", System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.Parse(section["PollInterval"] ?? "00:00:01", System.Globalization.CultureInfo.InvariantCulture),
            section["StartWhen"],
            int.Parse(section["MaxLength"] ?? "100000", System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(section["MaxDeadLetters"] ?? "10000", System.Globalization.CultureInfo.InvariantCulture));
    }

    public RedisQueueOptions QueueOptions() => new() { VisibilityTimeout = VisibilityTimeout, PollInterval = PollInterval, MaxLength = MaxLength, MaxDeadLetters = MaxDeadLetters };
}
