namespace Cacheback;

/// <summary>
/// The hook functions of a <see cref="JobDefinition{TArgs, TResult}"/> as the executor asks them;
/// a hook not given answers what the policy says, so a definition may give any of them alone.
/// </summary>
internal sealed class DefinedHooks<TArgs, TResult>(JobDefinition<TArgs, TResult> definition, Policy policy) : IJobHooks<TArgs>
{
    private readonly Func<TArgs, bool>? _fetchOnMiss = definition.ShouldFetchOnMiss;
    private readonly Func<TArgs, TimeSpan, bool>? _fetchStale = definition.ShouldFetchStale;
    private readonly Func<TArgs, DateTimeOffset, DateTimeOffset>? _expiry = definition.Expiry;
    private readonly Func<TArgs, DateTimeOffset, DateTimeOffset>? _timeout = definition.Timeout;

    /// <summary>The hooks of <paramref name="definition"/>; null when it gives none (the executor then reads the policy's rules alone).</summary>
    public static IJobHooks<TArgs>? Of(JobDefinition<TArgs, TResult> definition, Policy policy) =>
        definition.HasHooks ? new DefinedHooks<TArgs, TResult>(definition, policy) : null;

    public bool ShouldFetchOnMiss(TArgs args) => _fetchOnMiss?.Invoke(args) ?? policy.FetchOnMiss;

    public bool ShouldFetchStale(TArgs args, TimeSpan delta) =>
        _fetchStale?.Invoke(args, delta) ?? Decide.DefaultFetchStale(delta, policy);

    public DateTimeOffset Expiry(TArgs args, DateTimeOffset now) => _expiry?.Invoke(args, now) ?? Decide.DefaultExpiry(now, policy);

    public DateTimeOffset Timeout(TArgs args, DateTimeOffset now) => _timeout?.Invoke(args, now) ?? Decide.DefaultTimeout(now, policy);
}
