namespace Cacheback;

/// <summary>What the host knows of any job, whatever its types: its name, and how to place it in a runtime.</summary>
public interface ICachebackJob
{
    /// <summary>The name the job is registered and stored under.</summary>
    string Name { get; }

    /// <summary>Runs the job in <paramref name="runtime"/>; before its first use.</summary>
    void AttachTo(CachebackRuntime runtime);

    /// <summary>Registers the job in its runtime now, so refresh requests can find it by name.</summary>
    void Register();
}
