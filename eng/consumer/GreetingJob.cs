using Cacheback;

namespace ConsumerApp;

/// <summary>A job as an application writes one: a subclass over a service of its own.</summary>
public sealed class GreetingJob(Source source) : Job<string, string>
{
    public override Policy Policy => Runtime.Options.DefaultPolicy.With(lifetime: AppHost.Lifetime);

    protected override Task<string> Fetch(string name, CancellationToken cancellationToken) =>
        source.FetchAsync("job:" + name, cancellationToken);
}
