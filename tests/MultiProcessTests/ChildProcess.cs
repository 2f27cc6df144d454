using System.Diagnostics;
using System.Threading.Channels;

namespace Cacheback.Tests.MultiProcess;

/// <summary>
/// A Cacheback.Worker process (a worker, or a reader with <c>--reader</c>) run as
/// <c>dotnet Cacheback.Worker.dll</c> from the test's output folder: no build per process. Its
/// stdout lines are collected for <see cref="ExpectAsync"/>; it is killed on dispose.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60); // a bound on a wait for a line, never a wait itself: generous for a loaded machine
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The worker's dll: copied next to the test assembly by the project reference.</summary>
    public static string WorkerDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Cacheback.Worker.dll");
            if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
                throw new InvalidOperationException($"Cacheback.Worker.dll (with its runtimeconfig.json) is not in {AppContext.BaseDirectory}; the test project references samples/Cacheback.Worker so that it is.");
            return dll;
        }
    }

    public static ChildProcess Start(string name, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(WorkerDll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var child = new ChildProcess(process, name);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
                return;
            }

            child._log.Enqueue(e.Data);
            child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._log.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the next stdout line that starts with <paramref name="prefix"/>; an <c>error</c> line fails.</summary>
    public async Task<string> ExpectAsync(string prefix, TimeSpan? within = null)
    {
        using var deadline = new CancellationTokenSource(within ?? Bound);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(deadline.Token);
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                    return line;
                if (line.StartsWith("error", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{Name} answered '{line}'. Output: {Output}");
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} printed no line starting with '{prefix}' within {(within ?? Bound).TotalSeconds} s. Output: {Output}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name} exited (code {(_process.HasExited ? _process.ExitCode : -1)}) before printing '{prefix}'. Output: {Output}");
        }
    }

    public string Output => string.Join(" | ", _log.TakeLast(40));

    /// <summary>Waits for a process that runs one command and exits; its exit code.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan? within = null)
    {
        using var deadline = new CancellationTokenSource(within ?? Bound);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {(within ?? Bound).TotalSeconds} s. Output: {Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no drain, no acknowledgement, nothing (what a crashed or OOM-killed worker does).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
