using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cacheback.Tests;

/// <summary>Collects log entries so tests can assert on them.</summary>
public sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Logged)> _waiters = new();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>The first entry, logged already or later, that <paramref name="match"/> accepts.</summary>
    public Task<LogEntry> WhenLogged(Func<LogEntry, bool> match)
    {
        var logged = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((match, logged));
        foreach (var entry in Entries)
        {
            if (match(entry))
                logged.TrySetResult(entry);
        }

        return logged.Task;
    }

    private void Add(LogEntry entry)
    {
        Entries.Enqueue(entry);
        foreach (var (match, logged) in _waiters)
        {
            if (!logged.Task.IsCompleted && match(entry))
                logged.TrySetResult(entry);
        }
    }

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class ListLogger(ListLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, formatter(state, exception), exception));
    }
}
