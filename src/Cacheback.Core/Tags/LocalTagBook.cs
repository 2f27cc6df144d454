using System.Collections.Concurrent;

namespace Cacheback;

/// <summary>
/// Tag states for the embedded store: a dictionary in this process, never evicted (an evicted tag
/// would bring back what it invalidated). The wildcard has a field of its own: every read checks it.
/// </summary>
internal sealed class LocalTagBook : ITagBook
{
    private readonly ConcurrentDictionary<string, TagState> _tags = new(StringComparer.Ordinal);
    private Box _wildcard = new(default);

    public ValueTask<TagState> ReadAsync(string tag, CancellationToken cancellationToken) =>
        new(tag == TagRules.Wildcard ? Volatile.Read(ref _wildcard).State
            : _tags.TryGetValue(tag, out var state) ? state : default);

    /// <summary>The wildcard's state, for the hit path.</summary>
    public TagState Wildcard => Volatile.Read(ref _wildcard).State;

    public ValueTask BumpAsync(string tag, bool remove, CancellationToken cancellationToken)
    {
        if (tag == TagRules.Wildcard)
        {
            lock (_tags)
                Volatile.Write(ref _wildcard, new Box(_wildcard.State.Bumped(remove)));
        }
        else
        {
            _tags.AddOrUpdate(tag, static (_, r) => default(TagState).Bumped(r), static (_, old, r) => old.Bumped(r), remove);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The wildcard's state, swapped whole so that a read never sees half of one.</summary>
    private sealed record Box(TagState State);
}
