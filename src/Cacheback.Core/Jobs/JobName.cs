namespace Cacheback;

/// <summary>Rules for job names: they travel in refresh requests and prefix store keys.</summary>
internal static class JobName
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>Throws unless <paramref name="name"/> is a usable job name: non-empty, at most 200 characters, no control characters.</summary>
    /// <exception cref="ArgumentException">Why the name cannot be used.</exception>
    public static void Validate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > MaxLength)
            throw new ArgumentException($"Job name '{name[..40]}...' is {name.Length} characters long; the maximum is {MaxLength}.", nameof(name));
        if (name.Any(char.IsControl))
            throw new ArgumentException($"Job name '{name}' contains a control character.", nameof(name));
    }

    /// <summary>A default name for a wrapped delegate: its declaring type and method (stable across runs of one build).</summary>
    internal static string For(Delegate fetch)
    {
        var method = fetch.Method;
        var owner = method.DeclaringType?.FullName ?? "global";
        var name = $"{owner}.{method.Name}";
        return name.Length <= MaxLength ? name : name[^MaxLength..];
    }
}
