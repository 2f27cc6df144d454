namespace Cacheback;

/// <summary>One condition: the property <paramref name="Name"/> (of CLR type <paramref name="Type"/>) equals <paramref name="Value"/>.</summary>
internal sealed record FieldCondition(string Name, Type Type, object? Value);
