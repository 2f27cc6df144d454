using System.Runtime.InteropServices;

namespace Cacheback.Benchmarks.Scenarios;

/// <summary>Runs the scenarios on the embedded default (memory store, in-process queue, system clock) and prints a Markdown table.</summary>
public static class ScenarioRunner
{
    public static async Task RunAsync(TextWriter output)
    {
        await output.WriteLineAsync($"# Cacheback scenarios, {DateTimeOffset.Now:yyyy-MM-dd}");
        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        await output.WriteLineAsync();
        await output.WriteLineAsync(ScenarioResult.TableHeader);

        // Each scenario runs twice, each time on a new runtime: the first run also pays the JIT
        // and first-use costs a freshly started process pays; the repeat shows the steady state.
        foreach (var run in new[] { "1st in process", "repeat" })
        {
            await output.WriteLineAsync((await ColdStampede.RunAsync()).ToRow(run));
            await output.WriteLineAsync((await StaleServing.RunAsync()).ToRow(run));
        }
    }
}
