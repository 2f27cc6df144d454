namespace Cacheback;

/// <summary>Which delivery of which request a taken <see cref="RefreshRequest"/> is: its id in the queue's keys, and its attempt.</summary>
internal sealed record QueueDelivery(string Id, int Attempt);
