using System.Diagnostics;
using System.Globalization;

namespace Cacheback.Soak;

/// <summary>Heap and threads of one process at the start and at the end of the measured run.</summary>
public sealed record ProcessFigures(string Name, long HeapStart, int ThreadsStart, long? HeapEnd = null, int? ThreadsEnd = null)
{
    public static (long Heap, int Threads) Measure()
    {
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), self.Threads.Count);
    }
}

/// <summary>
/// The worker processes of a Redis soak: this program again, with <c>--worker</c>. Each prints
/// <c>soak-worker start PID HEAP THREADS</c> once its host runs, and <c>soak-worker end ...</c>
/// once it has drained after its standard input closes; the soak kills any still running at its end.
/// </summary>
public sealed class WorkerProcesses : IDisposable
{
    private readonly List<(Process Process, TaskCompletionSource<ProcessFigures> Started, TaskCompletionSource<(long, int)> Ended)> _workers = [];

    public static async Task<WorkerProcesses> StartAsync(SoakSettings settings, TimeSpan timeout)
    {
        var workers = new WorkerProcesses();
        try
        {
            for (var i = 0; i < settings.Workers; i++)
                workers.Start(settings);
            await Task.WhenAll(workers._workers.Select(w => w.Started.Task)).WaitAsync(timeout).ConfigureAwait(false);
            return workers;
        }
        catch
        {
            workers.Dispose();
            throw;
        }
    }

    public IReadOnlyList<ProcessFigures> StartFigures => [.. _workers.Select(w => w.Started.Task.Result)];

    /// <summary>Closes the workers' input (they drain and exit), waits up to <paramref name="bound"/>, kills the rest.</summary>
    public async Task<IReadOnlyList<ProcessFigures>> StopAsync(TimeSpan bound)
    {
        foreach (var (process, _, _) in _workers)
            process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(bound);
        var figures = new List<ProcessFigures>();
        foreach (var (process, started, ended) in _workers)
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"worker {process.Id} did not stop within {bound.TotalSeconds:0} s: killed");
                process.Kill(entireProcessTree: true);
            }

            var start = started.Task.Result;
            figures.Add(ended.Task.IsCompletedSuccessfully
                ? start with { HeapEnd = ended.Task.Result.Item1, ThreadsEnd = ended.Task.Result.Item2 }
                : start);
        }

        return figures;
    }

    public void Dispose()
    {
        foreach (var (process, _, _) in _workers)
        {
            try
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // never started, or gone already
            }

            process.Dispose();
        }
    }

    private void Start(SoakSettings settings)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Run as "dotnet Cacheback.Soak.dll": the worker is the same dll.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(WorkerProcesses).Assembly.Location);
        foreach (var argument in settings.WorkerArguments())
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        var started = new TaskCompletionSource<ProcessFigures>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<(long, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            switch (line.Data?.Split(' '))
            {
                case ["soak-worker", "start", var pid, var heap, var threads]:
                    started.TrySetResult(new ProcessFigures($"worker {pid}", Parse(heap), (int)Parse(threads)));
                    break;
                case ["soak-worker", "end", _, var heap, var threads]:
                    ended.TrySetResult((Parse(heap), (int)Parse(threads)));
                    break;
                case null:
                    started.TrySetException(new InvalidOperationException("A worker process exited before it started."));
                    break;
                default:
                    Console.WriteLine($"[worker] {line.Data}");
                    break;
            }
        };
        _workers.Add((process, started, ended));
        process.Start();
        process.BeginOutputReadLine();
    }

    private static long Parse(string number) => long.Parse(number, CultureInfo.InvariantCulture);
}
