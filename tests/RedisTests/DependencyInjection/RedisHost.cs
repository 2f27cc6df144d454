using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.Redis.DependencyInjection;

/// <summary>A host with AddCachebackRedis over in-memory settings, and a job that counts its fetches.</summary>
internal static class RedisHost
{
    /// <summary>The settings of a node of the calling test: its own key prefix and queue.</summary>
    public static Dictionary<string, string?> Settings(RedisServer server, string prefix, string queue) => new()
    {
        ["Cacheback:Redis:Configuration"] = server.ConnectionString,
        ["Cacheback:Redis:KeyPrefix"] = prefix,
        ["Cacheback:Redis:Queues:default"] = queue,
        ["Cacheback:Redis:QueueOptions:PollInterval"] = "00:00:00.100",
    };

    public static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCachebackRedis();
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Returns <c>{key}#{n}</c> for its n-th fetch.</summary>
    public sealed class ProfileJob : Job<string, string>
    {
        private int _fetches;

        public int Fetches => Volatile.Read(ref _fetches);

        public override string Name => "profiles";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) =>
            Task.FromResult($"{args}#{Interlocked.Increment(ref _fetches)}");
    }
}
