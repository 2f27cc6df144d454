using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// Redis's clock for <see cref="IStoreClock"/>: <c>TIME</c>, and the connection's restoration as
/// <see cref="IStoreClock.Reconnected"/>. The queue's scripts read the same clock (QueueCommon.lua).
/// </summary>
internal sealed class RedisTime(IConnectionMultiplexer connection, object sender)
{
    private readonly object _gate = new();
    private EventHandler? _handlers;

    /// <summary>The server's time: <c>TIME</c> answers seconds and microseconds.</summary>
    public static async ValueTask<DateTimeOffset> ReadAsync(IDatabase database, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var answer = await database.ExecuteAsync("TIME").ConfigureAwait(false);
        var parts = (RedisResult[]?)answer;
        if (parts is not { Length: 2 })
            throw new InvalidOperationException($"Redis answered TIME with {answer}, not [seconds, microseconds].");
        return DateTimeOffset.FromUnixTimeMilliseconds(((long)parts[0] * 1000) + ((long)parts[1] / 1000));
    }

    /// <summary>Adds a handler; the connection's event is subscribed to only while someone listens, so a store nobody follows holds no handler on the connection.</summary>
    public void Add(EventHandler? handler)
    {
        lock (_gate)
        {
            var first = _handlers is null;
            _handlers += handler;
            if (first && _handlers is not null)
                connection.ConnectionRestored += OnRestored;
        }
    }

    public void Remove(EventHandler? handler)
    {
        lock (_gate)
        {
            if (_handlers is null)
                return;
            _handlers -= handler;
            if (_handlers is null)
                connection.ConnectionRestored -= OnRestored;
        }
    }

    private void OnRestored(object? source, ConnectionFailedEventArgs e)
    {
        // The subscription socket coming back says nothing new about the server answering commands.
        if (e.ConnectionType == ConnectionType.Interactive)
            Volatile.Read(ref _handlers)?.Invoke(sender, EventArgs.Empty);
    }
}
