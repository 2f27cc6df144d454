using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cacheback.Tests.CSharp.DependencyInjection;

public class ScopedJobTests
{
    /// <summary>A job over a scoped repository, as a job over a DbContext is.</summary>
    public sealed class RepositoryJob(Repository repository) : Job<string, string>
    {
        public Repository Repository { get; } = repository;

        public override string Name => "scoped-repository";

        protected override Task<string> Fetch(string args, CancellationToken cancellationToken) => Repository.LoadAsync(args);
    }

    private static IHost Build(RepositoryTracker tracker) =>
        TestHost.Build([], s => s.AddSingleton(tracker).AddScoped<Repository>().AddCacheback().AddCachebackJob<RepositoryJob>());

    private static int IdIn(string value) => int.Parse(value[(value.IndexOf('@', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Start_JobOverAScopedService_StartsWithScopesValidated()
    {
        var tracker = new RepositoryTracker();
        using var host = Build(tracker);

        await host.StartAsync();

        Assert.True(host.Services.GetRequiredService<CachebackRuntime>().Registry.Contains("scoped-repository"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Fetch_EachRunsOnANewScopedInstance_DisposedAfterIt()
    {
        var tracker = new RepositoryTracker();
        using var host = Build(tracker);
        await host.StartAsync();
        await using var request = host.Services.CreateAsyncScope();
        var job = request.ServiceProvider.GetRequiredService<RepositoryJob>();

        var first = await job.GetAsync("a");
        var second = await job.GetAsync("b");
        var refreshed = await job.RefreshAsync("a");

        int[] used = [IdIn(first), IdIn(second), IdIn(refreshed)];
        Assert.Equal(3, used.Distinct().Count());
        Assert.DoesNotContain(job.Repository.Id, used); // not the caller's instance: a fetch outlives any one request
        Assert.All(used, id => Assert.Contains(id, tracker.Disposed));
        Assert.False(job.Repository.IsDisposed);
        await host.StopAsync();
    }

    [Fact]
    public async Task Fetch_InTheBackground_RunsInAScopeOfItsOwn()
    {
        var tracker = new RepositoryTracker();
        using var host = Build(tracker);
        await host.StartAsync();
        var runtime = host.Services.GetRequiredService<CachebackRuntime>();
        await using var request = host.Services.CreateAsyncScope();
        var job = request.ServiceProvider.GetRequiredService<RepositoryJob>();
        var fetched = await job.GetAsync("a");
        var refreshed = System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(runtime.Outcomes));

        Assert.True(await job.InvalidateAsync("a")); // stale now: one refresh in the background

        Assert.Equal(RefreshResult.Succeeded, (await refreshed).Result);
        var background = IdIn(await job.GetAsync("a"));
        Assert.NotEqual(IdIn(fetched), background);
        Assert.Contains(background, tracker.Disposed);
        await host.StopAsync();
    }
}
