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
public sealed class CachebackHybridCache : HybridCache, IDisposable
{
    /// <summary>HybridCache's default expiration when neither the call nor the defaults give one.</summary>
    public static readonly TimeSpan DefaultExpiration = TimeSpan.FromMinutes(5);

    private const string EmbeddedPartition = "hybrid";
    private readonly CachebackRuntime _runtime;
    private readonly bool _ownsRuntime;
    private readonly CachebackHybridCacheOptions _options;
    private readonly bool _sharedStore;
    private readonly ITagBook _tags;
    private readonly ILogger _logger;
    private readonly HybridCallRules _rules;
    private readonly HybridWriter _writer;
    private readonly HybridRefresher _refresher;
    private readonly HybridReader _reader;
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
            // logging. No queue worker: anonymous factories refresh here, never through a queue, in the
            // runtime's local lane, which it drains anyway.
            runtime = new CachebackRuntime(new CachebackRuntimeOptions
            {
                TimeProvider = services?.GetService<TimeProvider>() ?? Clock.System,
                LoggerFactory = services?.GetService<ILoggerFactory>(),
                RunRefreshWorker = false,
            });
            _ownsRuntime = true;
        }

        _runtime = runtime;
        var clock = runtime.Clock;
        _logger = (services?.GetService<ILoggerFactory>() ?? runtime.Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Cacheback.Hybrid");
        var serializers = new HybridSerializers(services);
        var shared = runtime.StoreNamed(options.StoreName);
        _sharedStore = shared is not MemoryStore;
        var store = shared.Partition(new PartitionSpec<HybridEntry>(EmbeddedPartition, HybridEntrySerializer.Instance, OnUnreadable));
        // The runtime's tag book, shared with the Cacheback jobs on the same store: a tag invalidated
        // through either reaches both. On a shared store the counters live in the store, so a book
        // of our own (for this cache's retention) reads and bumps the same ones.
        _tags = _sharedStore
            ? new StoreTagBook(shared, clock, options.TagRetention, OnUnreadable)
            : runtime.TagBookFor(options.StoreName);

        // Factories registered by name: their refreshes travel through the runtime's queue (a shared
        // store only: with the embedded one, no other process could run them), and this process runs
        // those it takes, so a worker host with the same registrations refreshes for the web hosts.
        _factories = _sharedStore && services is not null ? [.. services.GetServices<HybridFactory>()] : [];

        _rules = new HybridCallRules(options, _sharedStore, _logger);
        var tagVersions = new HybridTagVersions(_tags, _logger);
        _writer = new HybridWriter(store, _sharedStore, serializers, _rules, tagVersions, clock, options, _logger);
        _refresher = new HybridRefresher(store, runtime, _writer, _rules, _factories, clock, _logger);
        _reader = new HybridReader(store, _sharedStore, serializers, _rules, tagVersions, _writer, _refresher, clock, _logger);
        foreach (var factory in _factories)
            runtime.Registry.Register(factory.RequestName, factory.HandlerFor(this, services!));
    }

    /// <summary>The Cacheback runtime underneath: its store, events and metrics.</summary>
    public CachebackRuntime Runtime => _runtime;

    /// <summary>The options the cache was built with.</summary>
    public CachebackHybridCacheOptions Options => _options;

    /// <summary>Whether the store is shared between processes (Redis), rather than the embedded one.</summary>
    public bool IsStoreShared => _sharedStore;

    /// <inheritdoc />
    /// <remarks>
    /// Fresh: the stored value. Past its expiration (within <see cref="CachebackHybridCacheOptions.StaleFor"/>)
    /// or its tag invalidated as stale: the stored value at once, while this call claims the one
    /// background refresh of the key (across every process sharing the store) and runs
    /// <paramref name="factory"/> for it, in this process, bounded by
    /// <see cref="CachebackHybridCacheOptions.RefreshTimeout"/>. Missing, too old, or removed by a
    /// tag: <paramref name="factory"/> now, one call shared by every concurrent caller of the key in
    /// this process; a caller that cancels stops waiting, the factory carries on for the others.
    /// </remarks>
    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        cancellationToken.ThrowIfCancellationRequested();
        return _reader.GetOrCreateAsync(key, state, factory, options, tags, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The value is stored as freshly fetched, over whatever is there; a refresh running meanwhile no longer lands.</remarks>
    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var flags = _rules.FlagsOf(options);
        if (!_rules.KeyUsable(key) || !_rules.CanWrite(flags))
            return default;
        return _writer.SetAsync(key, value, _rules.PolicyOf(options), TagRules.Normalize(tags), cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _writer.RemoveAsync(key, cancellationToken);
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

    /// <summary>Raised when this process enqueued the refresh of a key with a named factory: tests wait on it.</summary>
    internal event Action<string>? RefreshEnqueued
    {
        add => _refresher.RefreshEnqueued += value;
        remove => _refresher.RefreshEnqueued -= value;
    }

    /// <summary>Raised when a background refresh this process claimed has ended (landed, superseded or failed): tests and benchmarks wait on it.</summary>
    internal event Action<string>? RefreshEnded
    {
        add => _refresher.RefreshEnded += value;
        remove => _refresher.RefreshEnded -= value;
    }

    /// <summary>Runs a queued refresh of a named factory: the runtime's refresh worker calls this, through the factory's handler.</summary>
    internal Task<RefreshResult> RunNamedRefreshAsync<T>(RefreshRequest request, HybridFactory<T> named, IServiceProvider services, CancellationToken cancellationToken) =>
        _refresher.RunNamedAsync(request, named, services, cancellationToken);

    private void OnUnreadable(string key, DecodeError error, string detail) => HybridLog.Unreadable(_logger, key, error, detail);
}
