using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis;

/// <summary>
/// A Redis Cluster of three masters (no replicas) on loopback: three redis-servers of our own in
/// cluster mode, persisting nothing, each owning a third of the slots; and two connections that know
/// all three. Killed and cleaned up on dispose. The cluster case of <see cref="RedisTopologyFixture"/>;
/// a test that kills nodes starts one of its own.
/// </summary>
public sealed class RedisClusterTopology : IRedisTopology, IAsyncDisposable
{
    /// <summary>
    /// How long forming may take. It takes about two seconds: a master that has just started waits
    /// that long (CLUSTER_WRITABLE_DELAY) before it reports cluster_state:ok.
    /// </summary>
    private static readonly TimeSpan FormTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Each node's slots: 16384 in three ranges, as redis-cli --cluster create splits them.</summary>
    private static readonly (int First, int Last)[] Slots = [(0, 5460), (5461, 10922), (10923, 16383)];

    private readonly List<RedisServer> _nodes = [];
    private ConnectionMultiplexer? _connection;
    private ConnectionMultiplexer? _other;

    /// <summary>The three nodes; node i owns <see cref="Slots"/>[i].</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public Topology Kind => Topology.Cluster;

    public int NodeCount => _nodes.Count;

    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>
    /// A second connection: another application node. Shared rather than opened per test, since
    /// closing a connection can take up to its syncTimeout.
    /// </summary>
    public ConnectionMultiplexer OtherConnection => _other ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>A StackExchange.Redis connection string naming every node.</summary>
    public string ConnectionString =>
        string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.Port}")) + ",abortConnect=false,connectTimeout=10000,syncTimeout=2000";

    public string Prefix([CallerMemberName] string test = "") => $"test:{test}:";

    /// <summary>Another connection to the cluster (another "node" of the application); it knows all three nodes once it returns.</summary>
    /// <param name="connectionString">Default <see cref="ConnectionString"/>.</param>
    public async Task<ConnectionMultiplexer> ConnectAsync(string? connectionString = null)
    {
        var connection = await RedisServer.ConnectedAsync(connectionString ?? ConnectionString);
        try
        {
            AssertSeesTheCluster(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Kills node <paramref name="node"/> if it runs and starts it again on its port and with its
    /// nodes.conf: it rejoins the cluster with its slots, and without its data (nothing persists).
    /// </summary>
    public async Task RestartAsync(int node) => _nodes[node] = await _nodes[node].RestartAsync();

    /// <summary>Which node owns <paramref name="key"/>'s slot, by the cluster's own hashing (CLUSTER KEYSLOT), not the client's.</summary>
    public async Task<int> NodeOfAsync(string key)
    {
        var slot = int.Parse(await RawCommand.SendAsync(_nodes[0].Port, CancellationToken.None, "CLUSTER", "KEYSLOT", key), CultureInfo.InvariantCulture);
        return Array.FindIndex(Slots, range => slot >= range.First && slot <= range.Last);
    }

    /// <summary>Whether <paramref name="key"/> is stored on node <paramref name="node"/> itself (asked on a raw socket: no redirect is followed).</summary>
    public async Task<bool> IsStoredOnAsync(int node, string key) =>
        await RawCommand.SendAsync(_nodes[node].Port, CancellationToken.None, "EXISTS", key) == "1";

    /// <summary>How many keys starting with <paramref name="prefix"/> each node holds (SCAN on each node).</summary>
    public int[] KeysPerNode(string prefix) =>
        _nodes.Select(n => Connection.GetServer(IPAddress.Loopback, n.Port).Keys(pattern: prefix + "*", pageSize: 1000).Count()).ToArray();

    private RedisClusterTopology()
    {
    }

    /// <summary>
    /// Starts the three nodes, forms the cluster and connects to it; cleans up after itself when that
    /// fails. A node that lost one of its free ports to another process before binding it ("Address
    /// already in use") starts the whole cluster again, on new ports, a few times.
    /// </summary>
    public static async Task<RedisClusterTopology> StartAsync()
    {
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var cluster = new RedisClusterTopology();
            try
            {
                await cluster.InitializeAsync();
                return cluster;
            }
            catch (Exception e) when (attempt < Attempts && e.ToString().Contains("Address already in use", StringComparison.Ordinal))
            {
                // InitializeAsync disposed what it started: pick new ports.
            }
        }
    }

    private async Task InitializeAsync()
    {
        try
        {
            var ports = FreeLoopbackPorts(2 * Slots.Length);
            var starting = Enumerable.Range(0, Slots.Length).Select(i => RedisServer.StartAsync(ports[i],
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                // The bus port is chosen too: the default, port + 10000, may be past 65535 or taken.
                "--cluster-port", ports[Slots.Length + i].ToString(CultureInfo.InvariantCulture),
            ])).ToArray();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                // Kept even when another failed to start, so that dispose kills them.
                _nodes.AddRange(starting.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result));
            }

            await FormAsync(ports[Slots.Length..]);
            _connection = await ConnectAsync();
            _other = await ConnectAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        // Without waiting for QUITs to be answered: the servers are killed next, perhaps killed already.
        foreach (var connection in new[] { _connection, _other })
        {
            connection?.Close(allowCommandsToComplete: false);
            connection?.Dispose();
        }

        foreach (var node in _nodes)
            node.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Assigns the slots, introduces the nodes to each other, and waits until the cluster is ready:
    /// every node says cluster_state:ok, knows every node and sees every slot served, and its bus
    /// links to every other node are up.
    /// </summary>
    /// <remarks>
    /// Redis announces none of this to clients (no event, no blocking command: redis-cli --cluster
    /// create itself sleeps a second between looks), and the gossip that forms the cluster runs on
    /// each server's own real-time cron, which no test can drive. So the wait asks the servers
    /// (CLUSTER INFO and CLUSTER NODES, the truth), but only when one of them has said something:
    /// while forming, the nodes log at debug level, where Redis logs every bus packet it handles,
    /// every link it connects, every handshake it completes and every change of cluster state.
    /// Redis is single-threaded, so once a line is out, the event that logged it is fully handled
    /// before the next CLUSTER INFO is answered. Lines about client connections (our own queries)
    /// wake nothing, or every look would wake the next. <see cref="FormTimeout"/> bounds the whole
    /// wait and its failure shows what each node last answered.
    /// </remarks>
    private async Task FormAsync(int[] busPorts)
    {
        using var deadline = new CancellationTokenSource(FormTimeout);
        var token = deadline.Token;
        var views = Array.Empty<string>();
        using var said = new SemaphoreSlim(0, 1);
        void OnLogged(string line)
        {
            if (line.Contains("Accepted ", StringComparison.Ordinal) || line.Contains("Client closed connection", StringComparison.Ordinal))
                return;
            lock (said)
            {
                if (said.CurrentCount == 0)
                    said.Release();
            }
        }

        foreach (var node in _nodes)
            node.Logged += OnLogged;
        try
        {
            for (var i = 0; i < _nodes.Count; i++)
            {
                await Command(i, "CONFIG", "SET", "loglevel", "debug");
                await Command(i, "CLUSTER", "ADDSLOTSRANGE", Slots[i].First, Slots[i].Last);
                // Distinct epochs, as redis-cli sets them: no collision for the nodes to resolve first.
                await Command(i, "CLUSTER", "SET-CONFIG-EPOCH", i + 1);
            }

            for (var i = 1; i < _nodes.Count; i++)
                await Command(0, "CLUSTER", "MEET", "127.0.0.1", _nodes[i].Port, busPorts[i]);

            // Every node knows every node and sees every slot served, and its bus links to every
            // other node are up. A node can say cluster_state:ok while a link to a node it learnt of
            // by gossip is still in handshake; a PUBLISH on it then never reaches that node's
            // subscribers (an L1 invalidation lost, seen once in a fresh-clone CI run).
            while (true)
            {
                views = await Task.WhenAll(_nodes.Select(n => RawCommand.SendAsync(n.Port, token, "CLUSTER", "INFO")));
                if (views.All(info => info.Contains("cluster_state:ok", StringComparison.Ordinal)
                                      && info.Contains($"cluster_known_nodes:{_nodes.Count}", StringComparison.Ordinal)))
                {
                    views = await Task.WhenAll(_nodes.Select(n => RawCommand.SendAsync(n.Port, token, "CLUSTER", "NODES")));
                    if (views.All(AllLinksConnected))
                        break;
                }

                await said.WaitAsync(token);
            }

            for (var i = 0; i < _nodes.Count; i++)
                await Command(i, "CONFIG", "SET", "loglevel", "notice");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"The cluster on ports {string.Join(", ", _nodes.Select(n => n.Port))} was not ready (cluster_state:ok, {_nodes.Count} nodes known, every bus link connected) "
                + $"on every node within {FormTimeout.TotalSeconds} s. What the nodes last answered: {string.Join(" || ", views.Select(v => v.ReplaceLineEndings(" ")))}");
        }
        finally
        {
            foreach (var node in _nodes)
                node.Logged -= OnLogged;
        }

        Task<string> Command(int node, params object[] arguments) =>
            RawCommand.SendAsync(_nodes[node].Port, token, arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture)!).ToArray());
    }

    /// <summary>
    /// Whether a node's CLUSTER NODES lists every node, none in handshake or failing, each with its
    /// link connected (a line: id, address, flags, master, ping sent, pong received, epoch, link state, slots).
    /// </summary>
    private bool AllLinksConnected(string view)
    {
        var lines = view.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == _nodes.Count && lines.All(line =>
        {
            var fields = line.Split(' ');
            return fields.Length >= 8
                && fields[7] == "connected"
                && !fields[2].Contains("handshake", StringComparison.Ordinal)
                && !fields[2].Contains("fail", StringComparison.Ordinal)
                && !fields[2].Contains("noaddr", StringComparison.Ordinal);
        });
    }

    /// <summary>Fails unless <paramref name="connection"/> is connected to every node and knows them as a cluster.</summary>
    private void AssertSeesTheCluster(ConnectionMultiplexer connection)
    {
        foreach (var node in _nodes)
        {
            var server = connection.GetServer(IPAddress.Loopback, node.Port);
            if (!server.IsConnected || server.ServerType != ServerType.Cluster || server.ClusterConfiguration?.Nodes.Count != _nodes.Count)
                throw new InvalidOperationException(
                    $"The connection does not see node {node.Port} as part of the cluster (connected: {server.IsConnected}, type: {server.ServerType}, "
                    + $"nodes it knows: {server.ClusterConfiguration?.Nodes.Count}). Its log: {connection.GetStatus()}");
        }
    }

    /// <summary><paramref name="count"/> distinct free ports, all held open until every one is chosen.</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
                listener.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Dispose();
        }
    }
}
