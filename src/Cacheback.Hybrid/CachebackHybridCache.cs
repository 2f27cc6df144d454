using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cacheback.Hybrid;

/// <summary>
/// Microsoft's <see cref="HybridCache"/> on Cacheback: a value past its expiration is served (for
/// <see cref="CachebackHybridCacheOptions.StaleFor"/>) while ONE background refresh runs, claimed
/// atomically in the store, so on Redis one refresh per stale episode across every node; tags are
/// invalidation counters in the store, checked on read, never a scan of keys.
/// <c>services.AddCachebackHybridCache()</c> registers it as <see cref="HybridCache"/>.
/// </summary>
public sealed partial class CachebackHybridCache : HybridCache, IDisposable
{
    /// <summary>HybridCache's default expiration when neither the call nor the defaults give one.</summary>
    public static readonly TimeSpan DefaultExpiration = TimeSpan.FromMinutes(5);

    private const string EmbeddedPartition = "hybrid";
    private readonly CachebackRuntime _runtime;
    private readonly bool _ownsRuntime;
    private readonly CachebackHybridCacheOptions _options;
    private readonly IEnvelopeStore<HybridEntry> _store;
    private readonly bool _sharedStore;
    private readonly ITagBook _tags;
    private readonly Clock _clock;
    private readonly ILogger _logger;
    private readonly HybridSerializers _serializers;
    private readonly HybridCacheEntryFlags _defaultFlags;
    private readonly TimeSpan _defaultExpiration;
    private readonly Policy _defaultPolicy;
    private readonly ConcurrentDictionary<TimeSpan, Policy> _policies = new();
    private readonly ConcurrentDictionary<Type, object> _flights = new();
    private readonly ConcurrentDictionary<string, Task<Envelope<HybridEntry>?>> _reads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _claiming = new(StringComparer.Ordinal);
    private readonly HybridFactory[] _factories;
    private int _disposed;

    /// <summary>
    /// The cache as <c>AddCachebackHybridCache</c> builds it: on the <see cref="CachebackRuntime"/>
    /// registered in <paramref name="services"/> (by <c>AddCacheback</c> or <c>AddCachebackRedis</c>),
    /// or on an embedded runtime of its own over the registered <see cref="TimeProvider"/>; with the
    /// registered <see cref="IHybridCacheSerializer{T}"/> and <see cref="IHybridCacheSerializerFactory"/> services.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public CachebackHybridCache(CachebackHybridCacheOptions options, IServiceProvider services)
        : this(options, services, services?.GetService<CachebackRuntime>())
    {
    }

    /// <summary>The cache on <paramref name="runtime"/>, without a service provider (built-in serializers only).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public CachebackHybridCache(CachebackRuntime runtime, CachebackHybridCacheOptions? options = null)
        : this(options ?? new CachebackHybridCacheOptions(), null, runtime ?? throw new ArgumentNullException(nameof(runtime)))
    {
    }

    private CachebackHybridCache(CachebackHybridCacheOptions options, IServiceProvider? services, CachebackRuntime? runtime)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        if (runtime is null)
        {
            // No runtime in the container: an embedded one of our own, on the container's clock and
            // logging. No refresh worker: anonymous factories refresh here, never through a queue.
            runtime = new CachebackRuntime(new CachebackRuntimeOptions
            {
                TimeProvider = services?.GetService<TimeProvider>() ?? Clock.System,
                LoggerFactory = services?.GetService<ILoggerFactory>(),
                RunRefreshWorker = false,
            });
            _ownsRuntime = true;
        }

        _runtime = runtime;
        _clock = runtime.Clock;
        _logger = (services?.GetService<ILoggerFactory>() ?? runtime.Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Cacheback.Hybrid");
        _serializers = new HybridSerializers(services);
        var store = runtime.StoreNamed(options.StoreName);
        _sharedStore = store is not MemoryStore;
        _store = store.Partition(new PartitionSpec<HybridEntry>(EmbeddedPartition, HybridEntrySerializer.Instance, OnUnreadable));
        // The runtime's tag book, shared with the Cacheback jobs on the same store: a tag invalidated
        // through either reaches both. On a shared store the counters live in the store, so a book
        // of our own (for this cache's retention) reads and bumps the same ones.
        _tags = _sharedStore
            ? new StoreTagBook(store, _clock, options.TagRetention, OnUnreadable)
            : runtime.TagBookFor(options.StoreName);

        // Factories registered by name: their refreshes travel through the runtime's queue (a shared
        // store only: with the embedded one, no other process could run them), and this process runs
        // those it takes, so a worker host with the same registrations refreshes for the web hosts.
        _factories = _sharedStore && services is not null ? [.. services.GetServices<HybridFactory>()] : [];
        foreach (var factory in _factories)
            runtime.Registry.Register(factory.RequestName, factory.HandlerFor(this, services!));

        _defaultFlags = options.DefaultEntryOptions?.Flags ?? HybridCacheEntryFlags.None;
        _defaultExpiration = options.DefaultEntryOptions?.Expiration ?? DefaultExpiration;
        _defaultPolicy = PolicyFor(_defaultExpiration);
    }

    /// <summary>The Cacheback runtime underneath: its store, events and metrics.</summary>
    public CachebackRuntime Runtime => _runtime;

    /// <summary>The options the cache was built with.</summary>
    public CachebackHybridCacheOptions Options => _options;

    /// <summary>Whether the store is shared between processes (Redis), rather than the embedded one.</summary>
    public bool IsStoreShared => _sharedStore;

    /// <inheritdoc />
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return RemoveCoreAsync(key, cancellationToken);
    }

    /// <summary>
    /// Removes every entry tagged <paramref name="tag"/> (<c>"*"</c>: every entry), on every node
    /// and in every L1: the next read of one is a miss and waits for its factory. Nothing is scanned:
    /// the tag's counter in the store moves on, and each entry remembers the counter it saw before
    /// its factory ran, so a fetch that started before this call never lands as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return _tags.BumpAsync(tag, remove: true, cancellationToken);
    }

    /// <summary>
    /// Marks every entry tagged <paramref name="tag"/> (<c>"*"</c>: every entry) stale, on every node
    /// and in every L1: it is still served, while one refresh per entry runs (claimed as any stale
    /// refresh is). A refresh whose factory started before this call does not count as fresh.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty or whitespace.</exception>
    public ValueTask InvalidateByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        return _tags.BumpAsync(tag, remove: false, cancellationToken);
    }

    /// <summary>Disposes the runtime if the cache made it (no <see cref="CachebackRuntime"/> was registered).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        foreach (var factory in _factories)
            _runtime.Registry.Unregister(factory.RequestName);
        if (_ownsRuntime)
            _runtime.Dispose();
    }

    private async ValueTask RemoveCoreAsync(string key, CancellationToken cancellationToken) =>
        await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);

    private void OnUnreadable(string key, DecodeError error, string detail) => HybridLog.Unreadable(_logger, key, error, detail);

    /// <summary>The thresholds of an entry expiring after <paramref name="expiration"/>: fresh for it, served stale for <see cref="CachebackHybridCacheOptions.StaleFor"/> more.</summary>
    private Policy PolicyFor(TimeSpan expiration) =>
        _policies.GetOrAdd(expiration, static (lifetime, options) =>
        {
            var ttl = lifetime + options.StaleFor;
            if (ttl > options.TagRetention)
                ttl = options.TagRetention > lifetime ? options.TagRetention : lifetime;
            var refreshTimeout = options.RefreshTimeout < ttl ? options.RefreshTimeout : ttl;
            return Policy.Create(lifetime, ttl, refreshTimeout, fetchOnMiss: true);
        }, _options);

    private Policy PolicyOf(HybridCacheEntryOptions? options) =>
        options?.Expiration is { } expiration
            ? PolicyFor(CachebackHybridCacheOptions.EntryExpiration(expiration, "options.Expiration")!.Value)
            : _defaultPolicy;

    private HybridCacheEntryFlags FlagsOf(HybridCacheEntryOptions? options) => options?.Flags ?? _defaultFlags;

    /// <summary>
    /// Whether a call may read the store. The embedded store is HybridCache's local cache; a shared
    /// store (with or without an L1 in front, kept coherent by pub/sub) is its distributed cache,
    /// skipped only when the call disables both levels.
    /// </summary>
    private bool CanRead(HybridCacheEntryFlags flags) =>
        _sharedStore
            ? (flags & (HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead)) != (HybridCacheEntryFlags.DisableLocalCacheRead | HybridCacheEntryFlags.DisableDistributedCacheRead)
            : (flags & HybridCacheEntryFlags.DisableLocalCacheRead) == 0;

    /// <summary>Whether a call may write the store; see <see cref="CanRead"/>.</summary>
    private bool CanWrite(HybridCacheEntryFlags flags) =>
        _sharedStore
            ? (flags & (HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite)) != (HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite)
            : (flags & HybridCacheEntryFlags.DisableLocalCacheWrite) == 0;

    /// <summary>HybridCache's key rules: not blank, at most <see cref="HybridCacheOptions.MaximumKeyLength"/> characters, no control characters.</summary>
    private bool KeyUsable(string key)
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

    /// <summary>The factory registered by name whose prefix <paramref name="key"/> starts with (the longest), if any.</summary>
    private HybridFactory? FactoryFor(string key)
    {
        HybridFactory? found = null;
        foreach (var factory in _factories)
        {
            if (key.StartsWith(factory.KeyPrefix, StringComparison.Ordinal) && (found is null || factory.KeyPrefix.Length > found.KeyPrefix.Length))
                found = factory;
        }

        return found;
    }

    private SingleFlight<T> FlightsOf<T>() =>
        (SingleFlight<T>)_flights.GetOrAdd(typeof(T), static _ => new SingleFlight<T>());
}
