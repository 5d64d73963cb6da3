using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Configuration;

/// <summary>
/// DataAnnotations validation whose messages name the configuration key ("Clearing:Grpc:Port must be 1..65535"),
/// so whoever reads the start-up failure knows which Helm value or environment variable to fix. The stock
/// validator names only the CLR member ("Port"), which is ambiguous when several sections share a type.
/// Attribute messages get the full key as {0}; <see cref="IValidatableObject"/> results that name members are
/// prefixed with the member's key, and results without members are taken verbatim.
/// Nested option objects are validated when their property carries <see cref="ValidateObjectMembersAttribute"/>.
/// </summary>
public sealed class KeyedOptionsValidator<TOptions>(string section, string? optionsName = null) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if ((optionsName ?? Options.DefaultName) != (name ?? Options.DefaultName))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = OptionsKeyValidation.Validate(options, section);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class OptionsKeyValidation
{
    /// <summary>Every failure of <paramref name="instance"/> and its nested option objects, each naming its key.</summary>
    public static IReadOnlyList<string> Validate(object instance, string section)
    {
        var failures = new List<string>();
        Collect(instance, section, failures);
        return failures;
    }

    private static void Collect(object instance, string prefix, List<string> failures)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(instance);
            var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToList();
            if (attributes.Count > 0)
            {
                var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = key };
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateValue(value!, context, results, attributes))
                {
                    failures.AddRange(results.Select(r => r.ErrorMessage ?? $"{key} is invalid"));
                }
            }

            if (value is not null && property.IsDefined(typeof(ValidateObjectMembersAttribute), inherit: true))
            {
                Collect(value, key, failures);
            }
        }

        if (instance is IValidatableObject validatable)
        {
            foreach (var result in validatable.Validate(new ValidationContext(instance)))
            {
                var members = result.MemberNames.ToList();
                var message = result.ErrorMessage ?? "is invalid";
                failures.Add(members.Count == 0
                    ? message
                    : $"{string.Join(", ", members.Select(m => $"{prefix}:{m}"))} {message}");
            }
        }
    }
}
