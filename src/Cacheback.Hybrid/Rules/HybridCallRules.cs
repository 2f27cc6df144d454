using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>
/// What a call's <see cref="HybridCacheEntryOptions"/> and key mean for the cache: its policy, its
/// flags, whether it may read or write the store, whether its key is usable. Resolved per call,
/// the policies cached per expiration.
/// </summary>
internal sealed class HybridCallRules
{
    private readonly CachebackHybridCacheOptions _options;
    private readonly bool _sharedStore;
    private readonly ILogger _logger;
    private readonly HybridCacheEntryFlags _defaultFlags;
    private readonly TimeSpan _defaultExpiration;
    private readonly Policy _defaultPolicy;
    private readonly ConcurrentDictionary<TimeSpan, Policy> _policies = new();

    // The policy of the last call that asked the hit rule: a hit compares lifetimes instead of
    // looking the policy up. Policies are cached (never rebuilt), so replacing it allocates nothing.
    private Policy _lastPolicy;

    public HybridCallRules(CachebackHybridCacheOptions options, bool sharedStore, ILogger logger)
    {
        _options = options;
        _sharedStore = sharedStore;
        _logger = logger;
        _defaultFlags = options.DefaultEntryOptions?.Flags ?? HybridCacheEntryFlags.None;
        _defaultExpiration = options.DefaultEntryOptions?.Expiration ?? CachebackHybridCache.DefaultExpiration;
        _defaultPolicy = PolicyFor(_defaultExpiration);
        _lastPolicy = _defaultPolicy;
    }

    /// <summary>The thresholds of an entry expiring after <paramref name="expiration"/>: fresh for it, served stale for <see cref="CachebackHybridCacheOptions.StaleFor"/> more.</summary>
    public Policy PolicyFor(TimeSpan expiration) =>
        _policies.GetOrAdd(expiration, static (lifetime, options) =>
        {
            var ttl = lifetime + options.StaleFor;
            if (ttl > options.TagRetention)
                ttl = options.TagRetention > lifetime ? options.TagRetention : lifetime;
            var refreshTimeout = options.RefreshTimeout < ttl ? options.RefreshTimeout : ttl;
            return Policy.Create(lifetime, ttl, refreshTimeout, fetchOnMiss: true);
        }, _options);

    public Policy PolicyOf(HybridCacheEntryOptions? options) =>
        options?.Expiration is { } expiration
            ? PolicyFor(CachebackHybridCacheOptions.EntryExpiration(expiration, "options.Expiration")!.Value)
            : _defaultPolicy;

    /// <summary>
    /// Whether what is stored is a hit for a call with <paramref name="options"/>: exactly
    /// <see cref="Decide.IsHit{T}(long, Envelope{T}, long, long)"/> under the call's policy, the
    /// first rule of the <see cref="Decide.Next{T}(Command{T}, long, Envelope{T}, in Rules)"/> of a read
    /// the slow path asks (HybridCache draws no early-refresh head start). The read's hot path asks it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsHit(long nowMs, Envelope<HybridEntry> stored, HybridCacheEntryOptions? options) =>
        Decide.IsHit(nowMs, stored, CacheTtlMsOf(options));

    /// <summary>
    /// <see cref="PolicyOf"/>'s cache TTL, in ms. A policy's lifetime is its call's expiration, so
    /// when it matches the last policy's, that policy is the call's: one compare on a hit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long CacheTtlMsOf(HybridCacheEntryOptions? options)
    {
        var last = _lastPolicy;
        return last.Lifetime == (options?.Expiration ?? _defaultExpiration) ? last.CacheTtlMs : LastPolicyOf(options).CacheTtlMs;
    }

    private Policy LastPolicyOf(HybridCacheEntryOptions? options) => _lastPolicy = PolicyOf(options);

    public HybridCacheEntryFlags FlagsOf(HybridCacheEntryOptions? options) => options?.Flags ?? _defaultFlags;

    /// <summary>
    /// Whether a call may read the store. The embedded store is HybridCache's local cache; a shared
    /// store (with or without an L1 in front, kept coherent by pub/sub) is its distributed cache,
    /// skipped only when the call disables both levels.
    /// </summary>
    public bool CanRead(HybridCacheEntryFlags flags) =>
        _sharedStore
            ? (flags & (HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead)) != (HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead)
            : (flags & HybridCacheEntryFlags.DisableLocalCacheRead) == 0;

    /// <summary>Whether a call may write the store; see <see cref="CanRead"/>.</summary>
    public bool CanWrite(HybridCacheEntryFlags flags) =>
        _sharedStore
            ? (flags & (HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite)) != (HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite)
            : (flags & HybridCacheEntryFlags.DisableLocalCacheWrite) == 0;

    /// <summary>HybridCache's key rules: not blank, at most <see cref="HybridCacheOptions.MaximumKeyLength"/> characters, no control characters.</summary>
    public bool KeyUsable(string key)
    {
        string? reason = string.IsNullOrWhiteSpace(key) ? "empty or whitespace"
            : key.Length > _options.MaximumKeyLength ? $"{key.Length} characters, over MaximumKeyLength ({_options.MaximumKeyLength})"
            : key.AsSpan().IndexOfAnyInRange('\0', (char)31) >= 0 ? "a control character"
            : null;
        if (reason is null)
            return true;
        HybridLog.KeyRejected(_logger, reason);
        return false;
    }
}
