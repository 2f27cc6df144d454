namespace Cacheback;

/// <summary>Rules for job names: they travel in refresh requests and prefix store keys.</summary>
public static class JobName
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>Separates the job's name from the key in a store key.</summary>
    public const char Separator = ':';

    /// <summary>
    /// Throws unless <paramref name="name"/> is a usable job name: non-empty, at most 200 characters,
    /// no control characters, no <c>':'</c>. A store key is <c>{prefix}{job}:{key}</c>, so a job name
    /// with a colon could share a storage key with another job (job <c>a</c>, key <c>b:c</c> and job
    /// <c>a:b</c>, key <c>c</c>); refusing it keeps every job's keys apart whatever its keys hold.
    /// </summary>
    /// <exception cref="ArgumentException">Why the name cannot be used.</exception>
    public static void Validate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > MaxLength)
            throw new ArgumentException($"Job name '{name[..40]}...' is {name.Length} characters long; the maximum is {MaxLength}.", nameof(name));
        if (name.Any(char.IsControl))
            throw new ArgumentException($"Job name '{name}' contains a control character.", nameof(name));
        if (name.Contains(Separator, StringComparison.Ordinal))
            throw new ArgumentException(
                $"Job name '{name}' contains ':', which separates the job from the key in store keys ({{job}}:{{key}}): another job's keys could collide with this one's. Use '.' or '/' instead.",
                nameof(name));
    }

    /// <summary>
    /// <paramref name="text"/> (a job name or a key from a request) as a log line or a dead letter
    /// shows it: in full up to <see cref="MaxLength"/> characters, else its first 64 and its length.
    /// A request may name anything; a 10 MB name must not be copied into every line.
    /// </summary>
    internal static string Display(string text) =>
        text.Length <= MaxLength ? text : $"{text[..64]}... ({text.Length} characters)";

    /// <summary>A default name for a wrapped delegate: its declaring type and method (stable across runs of one build).</summary>
    internal static string For(Delegate fetch)
    {
        var method = fetch.Method;
        var owner = method.DeclaringType?.FullName ?? "global";
        var name = $"{owner}.{method.Name}";
        return name.Length <= MaxLength ? name : name[^MaxLength..];
    }

    /// <summary>
    /// Throws unless a job with the generated name <paramref name="generated"/> keeps its refresh requests in
    /// this process: a generated name (a lambda's is the compiler's) changes when the code is edited,
    /// so a worker built from another commit, reading a shared queue, would not know the job.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="queue"/> is shared (<see cref="IRefreshQueue.IsShared"/>); the message names the job and the queue.</exception>
    internal static void EnsureLocal(string generated, string queueName, IRefreshQueue queue)
    {
        if (!queue.IsShared)
            return;
        throw new ArgumentException(
            $"Job '{Display(generated)}' has no name of its own, and its refreshes go to the queue '{queueName}' ({queue.GetType().Name}), "
            + "which other processes read: a generated name comes from the compiler and changes when the code is edited, so a worker built "
            + "from another commit would not find the job. Give it a stable name (name: \"...\" or JobDefinition.Name).",
            "name");
    }
}
