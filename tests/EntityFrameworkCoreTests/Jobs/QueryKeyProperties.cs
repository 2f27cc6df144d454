using System.Globalization;
using FsCheck.Xunit;
using Microsoft.EntityFrameworkCore;

namespace Cacheback.Tests.EntityFrameworkCore;

/// <summary>
/// The key rules as properties over random queries of <see cref="Item"/>: the key is a function of
/// the query's meaning (which fields, which values), not of how it was written — and of nothing less.
/// Keys need the model only, never a connection, so these run without a database.
/// </summary>
public sealed class QueryKeyProperties : IDisposable
{
    private readonly CachebackRuntime _runtime = new(new CachebackRuntimeOptions { RunRefreshWorker = false });
    private readonly EntityFilterJob<Item> _items;

    public QueryKeyProperties() =>
        _items = EntityJobs.Filter<ShopContext, Item>(
            new CountingContexts(new DbContextOptionsBuilder<ShopContext>().UseSqlite("Data Source=:memory:").Options), "items", runtime: _runtime);

    public void Dispose()
    {
        _items.Dispose();
        _runtime.Dispose();
    }

    /// <summary>A query of some of the item's fields: each field is in it when its flag is set.</summary>
    public sealed record Query(bool HasName, string? Name, bool HasRank, int Rank, bool HasNote, string? Note, bool HasActive, bool Active, bool HasColour, bool Green)
    {
        public IEnumerable<KeyValuePair<string, object?>> Pairs()
        {
            if (HasName)
                yield return new("Name", Name ?? "");
            if (HasRank)
                yield return new("Rank", Rank);
            if (HasNote)
                yield return new("Note", Note);
            if (HasActive)
                yield return new("Active", Active);
            if (HasColour)
                yield return new("Colour", Green ? Colour.Green : Colour.Red);
        }

        /// <summary>What the query means: the fields it names and their values.</summary>
        public string Meaning() => string.Join("\u0001", Pairs().Select(p => $"{p.Key}\u0002{p.Value}\u0002{p.Value is null}"));
    }

    [Property(MaxTest = 300)]
    public bool AQuery_WrittenInAnyOrderCaseAndValueType_HasOneKey(Query query, int seed)
    {
        var pairs = query.Pairs().ToArray();
        var rewritten = pairs.Select(p => new KeyValuePair<string, object?>(
            seed % 2 == 0 ? p.Key.ToUpperInvariant() : p.Key.ToLowerInvariant(),
            p.Value switch
            {
                int rank => seed % 3 == 0 ? rank.ToString(CultureInfo.InvariantCulture) : (long)rank,
                bool flag => flag.ToString(),
                Colour colour => colour.ToString().ToLowerInvariant(),
                var other => other,
            })).ToArray();
        new Random(seed).Shuffle(rewritten);

        return _items.KeyOf(FieldValues.From(pairs)) == _items.KeyOf(FieldValues.From(rewritten));
    }

    [Property(MaxTest = 500)]
    public bool TwoQueries_ShareAKey_OnlyWhenTheyMeanTheSame(Query first, Query second) =>
        (_items.KeyOf(FieldValues.From(first.Pairs())) == _items.KeyOf(FieldValues.From(second.Pairs()))) == (first.Meaning() == second.Meaning());

    [Property(MaxTest = 300)]
    public bool AQuery_AndTheSameQueryWithOneFieldChanged_HaveDifferentKeys(Query query, string? otherNote)
    {
        if (!query.HasNote || query.Note == otherNote)
            return true;
        return _items.KeyOf(FieldValues.From(query.Pairs())) != _items.KeyOf(FieldValues.From((query with { Note = otherNote }).Pairs()));
    }
}
