namespace Cacheback;

/// <summary>Holds a query's value in its predicate: EF turns a field of a constant object into a SQL parameter, so one query shape (and one cached plan) serves every value.</summary>
internal sealed class QueryParameter<T>(T value)
{
    public readonly T Value = value;
}
