using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cacheback.Sandbox.Data;

/// <summary>
/// Runs one query when the host starts, so that EF Core's first-use costs (building the model,
/// loading SQLite, compiling a query: seconds on a busy machine) are not paid inside the first
/// fetch, which the vanilla job's 5 s refresh timeout bounds. A worker may start before any web
/// node made the database: then it says so and goes on.
/// </summary>
internal sealed partial class DatabaseWarmUp(IDbContextFactory<SandboxDb> factory, ILogger<DatabaseWarmUp> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await db.Items.AsNoTracking().Where(i => i.Name == "").ToArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            NotReady(logger, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sandbox database could not be read at start ({Reason}); the web app creates it when it starts.")]
    private static partial void NotReady(ILogger logger, string reason);
}
