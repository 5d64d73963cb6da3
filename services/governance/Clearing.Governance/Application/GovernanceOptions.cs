using System.ComponentModel.DataAnnotations;

namespace Clearing.Governance.Application;

/// <summary>"Governance": where the genesis file is. Everything else lives in the registry streams.</summary>
public sealed class GovernanceOptions : IValidatableObject
{
    public const string Section = "Governance";

    /// <summary>
    /// Path of the genesis file (JSON) a fresh deployment bootstraps from. Unset: the embedded development genesis
    /// (services/governance/Clearing.Governance/Genesis/genesis.development.json), accepted in the Development
    /// environment only because its keys are public. Read once: after bootstrap the stored genesis applies.
    /// </summary>
    public string? GenesisFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(GenesisFile) && !File.Exists(GenesisFile))
        {
            yield return new ValidationResult($"{Section}:GenesisFile '{GenesisFile}' does not exist");
        }
    }
}
