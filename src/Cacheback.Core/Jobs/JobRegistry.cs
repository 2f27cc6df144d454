using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>
/// Jobs by registered name: how a refresh request finds the code that runs it. A name that is not
/// registered is logged (once per name) and its request ends <see cref="RefreshResult.UnknownJob"/>,
/// which a reliable queue dead-letters at once; no type is ever loaded from a name.
/// </summary>
public sealed class JobRegistry
{
    private readonly ConcurrentDictionary<string, IRefreshHandler> _jobs = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    // Unknown names already logged (as displayed: bounded), so that a flood of requests naming one
    // logs one line. Bounded too: past MaxUnknownNamesLogged distinct names, one line says so and
    // the rest are counted only as outcomes.
    private readonly ConcurrentDictionary<string, byte> _unknownLogged = new(StringComparer.Ordinal);
    private int _unknownOverflowLogged;

    /// <summary>How many distinct unknown job names are logged, each once, per registry (process).</summary>
    internal const int MaxUnknownNamesLogged = 1_000;

    /// <summary>Creates an empty registry that logs to <paramref name="logger"/>.</summary>
    internal JobRegistry(ILogger? logger = null) => _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The registered names.</summary>
    public IReadOnlyCollection<string> Names => _jobs.Keys.ToArray();

    /// <summary>Registers <paramref name="handler"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or already taken.</exception>
    internal void Register(string name, IRefreshHandler handler)
    {
        JobName.Validate(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_jobs.TryAdd(name, handler))
            throw new ArgumentException($"A job named '{name}' is already registered; job names must be unique.", nameof(name));
    }

    /// <summary>Registers under <paramref name="name"/>, or if taken under <c>name#2</c>, <c>name#3</c>, ...; returns the name used.</summary>
    internal string RegisterUnique(string name, IRefreshHandler handler)
    {
        JobName.Validate(name);
        for (var n = 1; ; n++)
        {
            var candidate = n == 1 ? name : $"{name}#{n}";
            if (_jobs.TryAdd(candidate, handler))
                return candidate;
        }
    }

    /// <summary>Removes a job; whether it was registered.</summary>
    internal bool Unregister(string name) => _jobs.TryRemove(name, out _);

    /// <summary>Whether a job of that name is registered.</summary>
    public bool Contains(string name) => _jobs.ContainsKey(name);

    /// <summary>The refresh timeout of the job <paramref name="name"/>, if it is registered and has one.</summary>
    internal TimeSpan? TimeoutFor(string name) => _jobs.TryGetValue(name, out var handler) ? handler.Timeout : null;

    /// <summary>Runs the request with the job it names; <see cref="RefreshResult.UnknownJob"/> (logged) when there is none.</summary>
    internal Task<RefreshResult> DispatchAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_jobs.TryGetValue(request.Job, out var handler))
            return handler.RefreshAsync(request, cancellationToken);
        LogUnknown(request);
        return Task.FromResult(RefreshResult.UnknownJob);
    }

    private void LogUnknown(RefreshRequest request)
    {
        var name = JobName.Display(request.Job);
        if (_unknownLogged.ContainsKey(name))
            return;
        if (_unknownLogged.Count >= MaxUnknownNamesLogged)
        {
            if (Interlocked.Exchange(ref _unknownOverflowLogged, 1) == 0)
                Log.UnknownJobsNotLogged(_logger, MaxUnknownNamesLogged);
            return;
        }

        if (_unknownLogged.TryAdd(name, 0))
            Log.UnknownJob(_logger, name, JobName.Display(request.Key));
    }
}
