namespace Cacheback;

/// <summary>Everything an executor needs to know about one job.</summary>
internal sealed record JobSpec<TArgs, T>(
    string Name,
    Func<TArgs, CancellationToken, Task<T>> Fetch,
    Policy Policy,
    Func<TArgs, string> Key,
    T Empty,
    IPayloadSerializer<T> ValueSerializer,
    IPayloadSerializer<TArgs> ArgumentSerializer);
