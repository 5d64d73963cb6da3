using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Configuration;

/// <summary>
/// The data directory must exist or be creatable, and be writable: checked once at start-up, so a read-only
/// volume or a wrong path stops the service with the key and the OS error instead of failing the first append.
/// </summary>
internal sealed class DataDirectoryValidator : IValidateOptions<ClearingOptions>
{
    public ValidateOptionsResult Validate(string? name, ClearingOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Skip; // the [Required] attribute reports it
        }

        var directory = Path.GetFullPath(options.DataDirectory);
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return ValidateOptionsResult.Fail($"{ClearingOptions.Section}:{nameof(ClearingOptions.DataDirectory)} '{directory}' is not usable: {ex.Message}");
        }
    }
}
