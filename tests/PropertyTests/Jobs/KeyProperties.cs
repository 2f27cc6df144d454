using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cacheback.Tests.Properties;

/// <summary>Keys of arguments (issue 10, defect 14): a dictionary's key depends on its content, never its insertion order.</summary>
public class KeyProperties
{
    private static readonly Func<Dictionary<string, int>, string> DictionaryKey = KeyEncoding.For<Dictionary<string, int>>();
    private static readonly Func<Dictionary<int, Dictionary<string, int>>, string> NestedKey = KeyEncoding.For<Dictionary<int, Dictionary<string, int>>>();

    [Property(MaxTest = 300)]
    public bool AnyPermutationOfADictionary_GivesTheSameKey(Dictionary<string, int> content, int seed)
    {
        var shuffled = content.ToArray();
        new Random(seed).Shuffle(shuffled);
        return DictionaryKey(content) == DictionaryKey(new Dictionary<string, int>(shuffled));
    }

    [Property(MaxTest = 200)]
    public bool AnyPermutationOfNestedDictionaries_GivesTheSameKey(Dictionary<int, Dictionary<string, int>> content, int seed)
    {
        var random = new Random(seed);
        var outer = content.Where(p => p.Value is not null).ToArray();
        random.Shuffle(outer);
        var rebuilt = outer.ToDictionary(p => p.Key, p =>
        {
            var inner = p.Value.ToArray();
            random.Shuffle(inner);
            return new Dictionary<string, int>(inner);
        });
        var original = content.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
        return NestedKey(original) == NestedKey(rebuilt);
    }

    [Property(MaxTest = 300)]
    public bool DifferentContent_GivesDifferentKeys(Dictionary<string, int> content, string extra)
    {
        if (extra is null || content.ContainsKey(extra))
            return true;
        var bigger = new Dictionary<string, int>(content) { [extra] = 1 };
        return DictionaryKey(content) != DictionaryKey(bigger);
    }
}
