namespace ConsumerApp;

/// <summary>Runs checks, prints one line each, counts them.</summary>
internal sealed class Checks
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(60);

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    public static void Expect(bool condition, string what)
    {
        if (!condition)
            throw new CheckFailedException(what);
    }

    public async Task RunAsync(string name, Func<Task> check)
    {
        try
        {
            await check().WaitAsync(CheckTimeout);
            Passed++;
            Console.WriteLine($"PASS {name}");
        }
        catch (Exception e)
        {
            Fail(name, e);
        }
    }

    /// <summary>Starts a host, runs the checks on it, stops it; a host that does not start fails every check.</summary>
    public async Task RunOnHostAsync(string group, string? redis, params (string Name, Func<AppHost, Task> Check)[] checks)
    {
        AppHost? host = null;
        Exception? startFailure = null;
        try
        {
            host = await AppHost.StartAsync(redis).WaitAsync(CheckTimeout);
        }
        catch (Exception e)
        {
            startFailure = e;
        }

        foreach (var (name, check) in checks)
        {
            if (host is null)
                Fail($"{group}: {name}", startFailure!, "the host did not start: ");
            else
                await RunAsync($"{group}: {name}", () => check(host));
        }

        if (host is not null)
            await host.DisposeAsync();
    }

    private void Fail(string name, Exception e, string prefix = "")
    {
        Failed++;
        var why = e is CheckFailedException ? e.Message : $"{e.GetType().FullName}: {e.Message}";
        Console.WriteLine($"FAIL {name}: {prefix}{why.ReplaceLineEndings(" ")}");
        if (e is not CheckFailedException)
            Console.Error.WriteLine(e); // the stack, for whoever reads the log
    }

    private sealed class CheckFailedException(string message) : Exception(message);
}
