using System.ComponentModel.DataAnnotations;

namespace Rendezvous.Testing;

/// <summary>Runs an options object's DataAnnotations and IValidatableObject rules, as start-up validation does.</summary>
public static class Annotations
{
    public static List<ValidationResult> Validate(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
