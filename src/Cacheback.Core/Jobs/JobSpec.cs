namespace Cacheback;

/// <summary>
/// A <see cref="JobDefinition{TArgs, TResult}"/> resolved by <c>Cache.Wrap</c> for the executor: the name
/// chosen, every default filled in from the runtime, the hook functions as <see cref="IJobHooks{TArgs}"/>.
/// </summary>
internal sealed record JobSpec<TArgs, T>(
    string Name,
    Func<TArgs, CancellationToken, Task<T>> Fetch,
    Policy Policy,
    Func<TArgs, string> Key,
    Func<T> Empty,
    IPayloadSerializer<T> ValueSerializer,
    IPayloadSerializer<TArgs> ArgumentSerializer)
{
    /// <summary>Per-call overrides of the policy (the definition's hook functions); null when it gives none.</summary>
    public IJobHooks<TArgs>? Hooks { get; init; }

    /// <summary>The job's tags for a call's arguments (null: an untagged job, whose reads never ask a tag book).</summary>
    public Func<TArgs, IEnumerable<string>?>? Tags { get; init; }

    /// <summary>The runtime's store to use.</summary>
    public string StoreName { get; init; } = CachebackRuntimeOptions.DefaultName;

    /// <summary>Register as <c>name#2</c>, <c>name#3</c>... if the name is taken (for generated names), instead of failing.</summary>
    public bool RenameIfTaken { get; init; }

    /// <summary>The runtime's queue to send refreshes to.</summary>
    public string QueueName { get; init; } = CachebackRuntimeOptions.DefaultName;
}
