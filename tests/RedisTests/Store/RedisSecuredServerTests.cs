using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cacheback.Tests.Redis.Queue;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Store;

/// <summary>
/// A redis-server of its own that asks for a password and speaks TLS on a second port, with a
/// certificate made here (a private authority, as many deployments have).
/// </summary>
public sealed class RedisSecuredServerTests : IAsyncLifetime
{
    private const string Password = "s3cret-for-tests";
    private static readonly Policy Policy = Cacheback.Policy.Create(lifetime: TimeSpan.FromMinutes(10), cacheTtl: TimeSpan.FromHours(1));
    private readonly string _directory = Directory.CreateTempSubdirectory("cacheback-tls-").FullName;
    private int _tlsPort;
    private X509Certificate2? _certificate;
    private RedisServer? _server;

    private RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    private X509Certificate2 Certificate => _certificate ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificateFile = Path.Combine(_directory, "redis.crt");
        var keyFile = Path.Combine(_directory, "redis.key");
        await File.WriteAllTextAsync(certificateFile, _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        (_server, var extra) = await RedisServer.StartOnFreePortsAsync(1, ports =>
        [
            "--requirepass", Password,
            "--tls-port", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", certificateFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", certificateFile,
            "--tls-auth-clients", "no",
        ]);
        _tlsPort = extra[0];
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        _certificate?.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ConnectAsync_TlsWithAPrivateAuthorityAndAPassword_CachesAndQueuesOverTheEncryptedConnection()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost,password={Password},abortConnect=false,connectTimeout=15000,syncTimeout=5000");
        options.CertificateValidation += (_, certificate, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None
            || (certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString());
        using var store = await RedisStore.ConnectAsync(options, "app:");
        using var queue = new RedisRefreshQueue(store.Connection, "tls");
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, string>((key, _) => Task.FromResult($"fetched {key}"), Policy, runtime: h.Runtime, name: "users");

        Assert.True(store.Connection.IsConnected, "the TLS connection should be up");
        Assert.Equal("fetched k", await cached.GetAsync("k"));
        Assert.Equal("fetched k", await cached.GetAsync("k"));
        var request = QueueTesting.Request();
        await queue.EnqueueAsync(request);
        var taken = await queue.TakeWithinBoundAsync();

        // What went over TLS is in this server: read it back on its plain port.
        using var plain = await RedisServer.ConnectedAsync($"{Server.ConnectionString},password={Password}");
        Assert.True(await plain.GetDatabase().KeyExistsAsync("app:users:k"));
        Assert.Equal((request.Job, request.Key), (taken.Job, taken.Key));
        Assert.DoesNotContain(h.Events, e => e.Kind == CacheEventKind.StoreFailed);
    }

    [Fact]
    public async Task Get_TlsCertificateNotTrusted_DegradesToFetchingWithoutThrowing()
    {
        // No validation callback: a certificate of a private authority is refused, so Redis is unreachable.
        using var store = await RedisStore.ConnectAsync($"127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost,password={Password},connectTimeout=1000,syncTimeout=1000", "app:");
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, string>((key, _) => Task.FromResult($"fetched {key}"), Policy, runtime: h.Runtime, name: "users");

        Assert.False(store.Connection.IsConnected);
        Assert.Equal("fetched k", await cached.GetAsync("k"));
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
    }

    [Fact]
    public async Task Get_WrongPassword_DegradesToFetchingWithoutThrowing()
    {
        using var store = await RedisStore.ConnectAsync($"{Server.ConnectionString},password=wrong", "app:");
        using var h = new Harness(store: store);
        var cached = Cache.Wrap<string, string>((key, _) => Task.FromResult($"fetched {key}"), Policy, runtime: h.Runtime, name: "users");

        Assert.Equal("fetched k", await cached.GetAsync("k"));
        Assert.Contains(h.Events, e => e.Kind == CacheEventKind.StoreFailed && e.Detail == "read");
    }
}
