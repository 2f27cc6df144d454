namespace Cacheback.Sandbox.Data;

/// <summary>The seed's <c>DummyModel</c>: a name and when it was made. A plain class, so it caches as it is (no navigations).</summary>
public sealed class Item
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public DateTime Created { get; set; }

    public override string ToString() => Name;
}
