using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Rendezvous.Api.Configuration;

/// <summary>
/// Validates an options object and everything nested in it (objects and lists) with
/// DataAnnotations and <see cref="IValidatableObject"/>, and names each failure by its
/// full configuration key, e.g. <c>Rendezvous:Directories:0:Url</c>, so that the
/// operator knows which setting to fix.
/// </summary>
internal sealed class ConfigurationKeyValidator<TOptions>(string sectionPath) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        ValidateObject(options, sectionPath, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateObject(object instance, string path, List<string> failures)
    {
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

        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !IsNested(property.PropertyType))
            {
                continue;
            }

            switch (property.GetValue(instance))
            {
                case null:
                    break;
                case IEnumerable items:
                    var index = 0;
                    foreach (var item in items)
                    {
                        if (item is not null && IsNested(item.GetType()))
                        {
                            ValidateObject(item, Key(path, $"{property.Name}:{index}"), failures);
                        }

                        index++;
                    }

                    break;
                case var nested:
                    ValidateObject(nested, Key(path, property.Name), failures);
                    break;
            }
        }
    }

    // Options classes and collections of them; not strings, value types or framework types.
    private static bool IsNested(Type type) =>
        type != typeof(string)
        && (typeof(IEnumerable).IsAssignableFrom(type)
            || (type.IsClass && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true));

    private static string Key(string path, string member) => member.Length == 0 ? path : $"{path}:{member}";
}

internal static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to a configuration section, rejecting keys the
    /// type does not have (a misspelt setting is an error, not a silent default), and
    /// validates it when the host starts.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new ConfigurationKeyValidator<TOptions>(section));
        return services.AddOptions<TOptions>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
    }
}
