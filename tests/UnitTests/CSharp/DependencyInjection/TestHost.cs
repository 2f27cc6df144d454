using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.CSharp.DependencyInjection;

/// <summary>A host as Development builds it (scopes validated, every registration checked at build), over in-memory settings.</summary>
internal static class TestHost
{
    public static IHost Build(Dictionary<string, string?> settings, Action<IServiceCollection> services, ILoggerFactory? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        if (logs is not null)
            builder.Services.AddSingleton(logs);
        services(builder.Services);
        return builder.Build();
    }
}

/// <summary>Counts the <see cref="Repository"/> instances made and disposed (a singleton).</summary>
public sealed class RepositoryTracker
{
    private int _made;

    public ConcurrentBag<int> Disposed { get; } = [];

    public int Next() => Interlocked.Increment(ref _made);
}

/// <summary>A scoped service, as a repository over a DbContext is: new in each scope, disposed with it.</summary>
public sealed class Repository(RepositoryTracker tracker) : IAsyncDisposable
{
    public int Id { get; } = tracker.Next();

    public bool IsDisposed { get; private set; }

    public Task<string> LoadAsync(string key)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return Task.FromResult($"{key}@{Id}");
    }

    public ValueTask DisposeAsync()
    {
        IsDisposed = true;
        tracker.Disposed.Add(Id);
        return ValueTask.CompletedTask;
    }
}
