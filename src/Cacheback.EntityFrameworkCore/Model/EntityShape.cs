using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Cacheback;

/// <summary>
/// What a query job knows of its entity type, read once from the context's model: the fields a
/// query may name (its properties, by their types), its primary key, and how a query becomes a
/// key, a predicate and an ordering.
/// </summary>
internal sealed class EntityShape<TEntity>
    where TEntity : class
{
    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    private readonly Dictionary<string, IProperty> _properties;
    private readonly HashSet<string> _navigations;

    private EntityShape(IEntityType entityType)
    {
        EntityName = entityType.ClrType.Name;
        _properties = entityType.GetProperties().ToDictionary(p => p.Name, StringComparer.Ordinal);
        _navigations = entityType.GetNavigations().Select(n => n.Name)
            .Concat(entityType.GetSkipNavigations().Select(n => n.Name))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        KeyNames = entityType.FindPrimaryKey()?.Properties.Select(p => p.Name).ToArray() ?? [];
    }

    /// <summary>The entity type's name, the first part of every key (django-cacheback's <c>"Model-..."</c>).</summary>
    public string EntityName { get; }

    /// <summary>The primary key's properties; empty for a keyless entity.</summary>
    public IReadOnlyList<string> KeyNames { get; }

    /// <summary>The shape of <typeparamref name="TEntity"/> in <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The model has no entity type <typeparamref name="TEntity"/>.</exception>
    public static EntityShape<TEntity> Of(IModel model, Type contextType)
    {
        var entityType = model.FindEntityType(typeof(TEntity))
            ?? throw new ArgumentException(
                $"{typeof(TEntity).FullName} is not an entity type of {contextType.Name}'s model; a query job reads a DbSet the context maps.",
                nameof(TEntity));
        return new EntityShape<TEntity>(entityType);
    }

    /// <summary>The key of <paramref name="query"/>: the entity's name and the hash of its canonical pairs.</summary>
    public string Key(EntityQuery query) => $"{EntityName}-{KeyEncoding.Hash(query.ToDictionary())}";

    /// <summary>The CLR type of the field <paramref name="field"/>.</summary>
    /// <exception cref="ArgumentException">The entity has no such field.</exception>
    public Type TypeOf(string field) => Find(field).ClrType;

    /// <summary><paramref name="fields"/> checked against the model: names resolved, values of the properties' types.</summary>
    /// <exception cref="ArgumentException">A field the entity does not have (or a navigation), given twice, or a value that does not fit; the message names it.</exception>
    public EntityQuery Resolve(FieldValues fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var conditions = new SortedDictionary<string, FieldCondition>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            var property = Find(field);
            var condition = new FieldCondition(property.Name, property.ClrType, Convert(property, field, value));
            if (!conditions.TryAdd(property.Name, condition))
                throw new ArgumentException($"{EntityName}.{property.Name} is given twice (as '{field}' and another spelling).", nameof(fields));
        }

        return new EntityQuery(conditions.Values.ToArray());
    }

    /// <summary>The query that matches the primary key <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The entity is keyless or has a composite key, or the value does not fit.</exception>
    public EntityQuery ResolveKey(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyNames.Count switch
        {
            0 => throw new ArgumentException($"{EntityName} has no primary key; query it by its fields.", nameof(key)),
            1 => Resolve(FieldValues.Of(KeyNames[0], key)),
            _ => throw new ArgumentException(
                $"{EntityName} has a composite key ({string.Join(", ", KeyNames)}); query it by those fields (FieldValues.Of(...).And(...)).", nameof(key)),
        };
    }

    /// <summary>The condition of <paramref name="query"/> as a predicate EF translates: each value a parameter, not a constant, so one SQL shape serves every value.</summary>
    public Expression<Func<TEntity, bool>> Predicate(EntityQuery query)
    {
        var entity = Expression.Parameter(typeof(TEntity), "e");
        Expression body = Expression.Constant(true);
        foreach (var condition in query.Conditions)
        {
            var column = Column(entity, condition.Name, condition.Type);
            var holder = Activator.CreateInstance(typeof(QueryParameter<>).MakeGenericType(condition.Type), condition.Value)!;
            var value = Expression.Field(Expression.Constant(holder), nameof(QueryParameter<object>.Value));
            body = Expression.AndAlso(body, Expression.Equal(column, value));
        }

        return Expression.Lambda<Func<TEntity, bool>>(body, entity);
    }

    /// <summary><paramref name="rows"/> in primary key order, so a list reads the same on every fetch (unordered for a keyless entity).</summary>
    public IQueryable<TEntity> InKeyOrder(IQueryable<TEntity> rows)
    {
        var first = true;
        foreach (var name in KeyNames)
        {
            var property = _properties[name];
            var entity = Expression.Parameter(typeof(TEntity), "e");
            var selector = Expression.Lambda(Column(entity, name, property.ClrType), entity);
            var method = first ? nameof(Queryable.OrderBy) : nameof(Queryable.ThenBy);
            rows = rows.Provider.CreateQuery<TEntity>(Expression.Call(
                typeof(Queryable), method, [typeof(TEntity), property.ClrType], rows.Expression, Expression.Quote(selector)));
            first = false;
        }

        return rows;
    }

    private static MethodCallExpression Column(ParameterExpression entity, string name, Type type) =>
        Expression.Call(PropertyMethod.MakeGenericMethod(type), entity, Expression.Constant(name));

    private IProperty Find(string field)
    {
        if (_properties.TryGetValue(field, out var exact))
            return exact;
        var matches = _properties.Values.Where(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (matches.Length == 1)
            return matches[0];
        if (_navigations.Contains(field))
            throw new ArgumentException(
                $"{EntityName}.{field} is a navigation, not a field; query by its foreign key instead.", nameof(field));
        throw new ArgumentException(
            $"{EntityName} has no field '{field}'; its fields are {string.Join(", ", _properties.Keys.Order(StringComparer.Ordinal))}.", nameof(field));
    }

    /// <summary><paramref name="value"/> as a value of the property's type, or why it cannot be.</summary>
    private object? Convert(IProperty property, string field, object? value)
    {
        var type = property.ClrType;
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (value is null)
            return property.IsNullable
                ? null
                : throw new ArgumentException($"{EntityName}.{property.Name} cannot be null, so no {EntityName} has it null.", nameof(field));
        if (target.IsInstanceOfType(value))
            return value;
        try
        {
            if (value is string text)
                return target.IsEnum
                    ? Enum.Parse(target, text, ignoreCase: true)
                    : System.ComponentModel.TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text);
            if (target.IsEnum && value is IConvertible)
                return Enum.ToObject(target, value);
            if (value is IConvertible && typeof(IConvertible).IsAssignableFrom(target) && target != typeof(string))
                return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException or NotSupportedException)
        {
            throw new ArgumentException(
                $"{EntityName}.{property.Name} is a {type.Name}; the value '{value}' ({value.GetType().Name}) does not convert to it: {e.Message}", nameof(field), e);
        }

        throw new ArgumentException(
            $"{EntityName}.{property.Name} is a {type.Name}; a {value.GetType().Name} ('{value}') is not one.", nameof(field));
    }
}
