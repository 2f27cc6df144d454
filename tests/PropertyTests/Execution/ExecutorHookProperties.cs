using FsCheck.Xunit;
using static Cacheback.Tests.Properties.Arbitraries;
using HookAnswers = Cacheback.Tests.Properties.DecideHookProperties.HookAnswers;

namespace Cacheback.Tests.Properties;

/// <summary>
/// The executor with a job's hooks does what <see cref="Decide"/> says under the rules the hooks
/// resolve to: it decides nothing itself. Random stored envelopes, moments, policies and hook
/// answers; one read through the real executor over a memory store, compared with the effect.
/// </summary>
[Properties(Arbitrary = new[] { typeof(Arbitraries), typeof(DecideHookProperties) }, MaxTest = 300)]
public class ExecutorHookProperties
{
    [Property]
    public async Task<bool> Read_WithHooks_CarriesOutDecidesEffect(Moment now, Envelope<string> stored, Policy policy, HookAnswers hooks)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(now));
        var store = new MemoryStore(time);
        using var runtime = new CachebackRuntime(new CachebackRuntimeOptions { TimeProvider = time, Store = store, Queue = new InProcessQueue(), RunRefreshWorker = false });
        var fetches = 0;
        // The hooks as a definition gives them: functions, only those drawn (the others fall back to the policy).
        var definition = new JobDefinition<string, string>(_ => Task.FromResult("fetched"))
        {
            ShouldFetchOnMiss = hooks.FetchOnMiss is { } miss ? _ => miss : null,
            ShouldFetchStale = hooks.FetchStale is { } stale ? (_, _) => stale : null,
            Expiry = hooks.Expiry is { } expiry ? (_, _) => DateTimeOffset.FromUnixTimeMilliseconds(expiry) : null,
            Timeout = hooks.LeaseUntil is { } lease ? (_, _) => DateTimeOffset.FromUnixTimeMilliseconds(lease) : null,
        };
        var spec = new JobSpec<string, string>("hooks", (_, _) => { fetches++; return Task.FromResult("fetched"); }, policy, k => k, () => "empty",
            JsonPayloadSerializer<string>.Default, JsonPayloadSerializer<string>.Default) { Hooks = DefinedHooks<string, string>.Of(definition, policy) };
        using var executor = new Executor<string, string>(runtime, spec);
        var partition = store.Partition(new PartitionSpec<string>("hooks", JsonPayloadSerializer<string>.Default, (_, _, _) => { }));
        await partition.WriteAsync("k", stored, TimeSpan.FromDays(3650));
        var rules = hooks.Apply(policy.Rules);

        var effect = Ask.Read(now, stored, rules);
        // On the test thread alone: what the read leaves behind it (a claim's enqueue) has run when it returns.
        var read = await TestThread.Settle(() => executor.GetReadAsync("k", "k", CancellationToken.None).AsTask(), "The read");
        var after = (await partition.ReadAsync("k"))!;

        return effect switch
        {
            Effect<string>.Return r =>
                read == new CacheRead<string>(r.HasValue ? r.Value! : "empty", r.Status, r.HasValue ? null : false)
                && fetches == 0 && after.Version == stored.Version,
            Effect<string>.ReturnAndEnqueue e =>
                read == new CacheRead<string>(e.HasValue ? e.Value! : "empty", e.Status, false)
                && fetches == 0 && after.Version != stored.Version
                && after.LeaseUntil == e.Claim.LeaseUntil && after.FetchedAtMs == e.Claim.Leased.FetchedAtMs && after.FreshUntilMs == e.Claim.Leased.FreshUntilMs,
            Effect<string>.FetchSync f =>
                read == new CacheRead<string>("fetched", f.Status, true)
                && fetches == 1 && after.Value == "fetched"
                && after.FreshUntilMs == Ask.Write(now, "fetched", 1, null, rules).Envelope.FreshUntilMs,
            _ => false,
        };
    }
}
