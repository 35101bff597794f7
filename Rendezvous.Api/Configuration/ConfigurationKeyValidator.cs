using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Rendezvous.Api.Configuration;

/// <summary>
/// Validates an options object bound from <c>sectionPath</c>, and everything nested in
/// it (objects and lists):
/// <list type="bullet">
/// <item>DataAnnotations and <see cref="IValidatableObject"/> rules;</item>
/// <item>keys in the configuration that the options type does not have, so that a
/// misspelt setting stops the service instead of silently keeping its default.</item>
/// </list>
/// Each failure is named by its full configuration key, e.g.
/// <c>Rendezvous:Directories:0:Url</c>, so that the operator knows what to fix.
/// </summary>
internal sealed class ConfigurationKeyValidator<TOptions>(string sectionPath, IConfiguration configuration) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        CheckKeys(configuration.GetSection(sectionPath), typeof(TOptions), failures);
        if (failures.Count == 0)
        {
            // With key problems the section was not bound (see AddValidatedOptions), so
            // its rules would only report spurious "required" errors.
            ValidateObject(options, sectionPath, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateObject(object instance, string path, List<string> failures)
    {
        if (instance is IEnumerable items)
        {
            ValidateItems(items, path, failures);
            return;
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? result.MemberNames : [""];
            foreach (var member in members)
            {
                failures.Add($"{Key(path, member)}: {result.ErrorMessage ?? "is not valid"}");
            }
        }

        foreach (var property in BindableProperties(instance.GetType()).Where(p => IsNested(p.PropertyType)))
        {
            if (property.GetValue(instance) is { } value)
            {
                ValidateObject(value, Key(path, property.Name), failures);
            }
        }
    }

    private static void ValidateItems(IEnumerable items, string path, List<string> failures)
    {
        var index = 0;
        foreach (var item in items)
        {
            if (item is not null && IsNested(item.GetType()))
            {
                ValidateObject(item, Key(path, index.ToString(System.Globalization.CultureInfo.InvariantCulture)), failures);
            }

            index++;
        }
    }

    /// <summary>Reports every configuration key under <paramref name="section"/> that <paramref name="type"/> cannot bind.</summary>
    internal static void CheckKeys(IConfigurationSection section, Type type, List<string> failures)
    {
        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, out _))
                {
                    failures.Add($"{child.Path}: is not a list index; this setting is a list (0, 1, 2, ...)");
                }
                else if (IsNested(element))
                {
                    CheckKeys(child, element, failures);
                }
                else
                {
                    // A list of values (say, advertising scopes): the binder would drop an item it cannot convert.
                    CheckValue(child, element, failures);
                }
            }

            return;
        }

        var properties = BindableProperties(type).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.Find(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                failures.Add($"{child.Path}: unknown setting; expected one of {string.Join(", ", properties.Select(p => p.Name))}");
            }
            else if (IsNested(property.PropertyType))
            {
                CheckKeys(child, property.PropertyType, failures);
            }
            else
            {
                CheckValue(child, property.PropertyType, failures);
            }
        }
    }

    /// <summary>
    /// A single setting must convert to its type. The binder does not always say so: a
    /// list item with a value it cannot convert is silently dropped, so a directory with
    /// Flavour=Novell would simply vanish.
    /// </summary>
    private static void CheckValue(IConfigurationSection setting, Type type, List<string> failures)
    {
        if (setting.GetChildren().Any())
        {
            failures.Add($"{setting.Path}: is a single value, not a section");
            return;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (setting.Value is not { Length: > 0 } value)
        {
            // An empty number or enum is not "unset" to the binder: it fails to convert, and
            // inside a list that drops the whole item.
            if (target.IsValueType && Nullable.GetUnderlyingType(type) is null)
            {
                failures.Add($"{setting.Path}: is empty; expected {(target.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(target))}" : $"a {FriendlyName(target)}")}, or remove the setting for the default");
            }

            return;
        }

        if (target.IsEnum)
        {
            if (!Enum.TryParse(target, value, ignoreCase: true, out _) || value.All(c => char.IsAsciiDigit(c) || c == '-'))
            {
                failures.Add($"{setting.Path}: '{value}' is not one of {string.Join(", ", Enum.GetNames(target))}");
            }
        }
        else if (!TypeDescriptor.GetConverter(target).IsValid(value))
        {
            failures.Add($"{setting.Path}: '{value}' is not a valid {FriendlyName(target)}");
        }
    }

    private static string FriendlyName(Type type) => type == typeof(int) ? "whole number"
        : type == typeof(bool) ? "boolean (true or false)"
        : type.Name;

    // What the configuration binder can set: settable properties, and get-only mutable
    // collections or nested objects that it binds into. Computed properties are not settings.
    private static IEnumerable<PropertyInfo> BindableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0
                        && (p.SetMethod?.IsPublic == true
                            || (p.PropertyType.IsClass && p.PropertyType != typeof(string) && (!IsEnumerable(p.PropertyType) || IsMutableCollection(p.PropertyType)))));

    private static Type? ElementType(Type type) =>
        type == typeof(string)
            ? null
            : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static bool IsEnumerable(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static bool IsMutableCollection(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>));

    // Options classes and collections of them; not strings, value types or framework types.
    private static bool IsNested(Type type) =>
        type != typeof(string)
        && (IsEnumerable(type) || (type.IsClass && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true));

    private static string Key(string path, string member) => member.Length == 0 ? path : $"{path}:{member}";
}

internal static class ValidatedOptionsExtensions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to a configuration section and validates it, keys included, when the host starts.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(sp => new ConfigurationKeyValidator<TOptions>(section, sp.GetRequiredService<IConfiguration>()));
        return services.AddOptions<TOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                // Bind only a section whose keys and values fit the type. The binder would
                // throw on the first bad value (hiding the rest) or drop a list item
                // silently; instead the validator reports every problem at once.
                var settings = configuration.GetSection(section);
                var problems = new List<string>();
                ConfigurationKeyValidator<TOptions>.CheckKeys(settings, typeof(TOptions), problems);
                if (problems.Count == 0)
                {
                    settings.Bind(options);
                }
            })
            .ValidateOnStart();
    }
}
