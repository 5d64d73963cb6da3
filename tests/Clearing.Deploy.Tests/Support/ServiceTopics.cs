using System.Reflection;
using System.Text.RegularExpressions;
using Clearing.Contracts;

namespace Clearing.Deploy.Tests.Support;

/// <summary>
/// The Kafka topics a service's code writes and reads, found in its source under services/{name}/ (Topics.* constants
/// in the places the platform declares them), so the chart's ACLs can be held to the code rather than to a list
/// someone typed. Writes: an outbox translator's <c>Topics { get; } = [...]</c> and direct <c>Produce(Topics.X</c> calls.
/// Reads: consumer definitions (<c>Topics = [...]</c>, <c>InputTopics = [...]</c>), <c>Subscribe([...])</c>, any topic
/// named in a file that builds its own consumer (<c>ConsumerBuilder</c>), and the governance parameter feed
/// (<c>AddGovernanceParameters</c>) that reads clearing.governance.params.v1.
/// </summary>
/// <param name="GroupIds">The constant part (up to the first interpolation) of every consumer group id the code sets
/// explicitly (<c>GroupId = ...</c>); the others are "{service}-{consumer name}" by construction.</param>
internal sealed partial record ServiceTopics(string Service, IReadOnlySet<string> Writes, IReadOnlySet<string> Reads, IReadOnlySet<string> Referenced,
    IReadOnlySet<string> GroupIds)
{
    /// <summary>Topics.* constant name -> topic name.</summary>
    private static readonly Dictionary<string, string> Constants = typeof(Topics)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

    public static ServiceTopics Of(string service)
    {
        var folder = Repository.Path($"services/{service}");
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"services/{service} does not exist");
        }

        var writes = new HashSet<string>(StringComparer.Ordinal);
        var reads = new HashSet<string>(StringComparer.Ordinal);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        var separator = Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal) && !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal)))
        {
            var code = File.ReadAllText(file);
            referenced.UnionWith(Names(code));
            foreach (Match list in TranslatorTopics().Matches(code))
            {
                writes.UnionWith(Names(list.Groups[1].Value));
            }

            foreach (Match produce in ProduceCall().Matches(code))
            {
                writes.Add(Resolve(produce.Groups[1].Value));
            }

            foreach (Match list in ConsumerTopics().Matches(code))
            {
                reads.UnionWith(Names(list.Groups[1].Value));
            }

            if (code.Contains("new ConsumerBuilder<", StringComparison.Ordinal))
            {
                reads.UnionWith(Names(code));
            }

            foreach (Match group in GroupIdAssignment().Matches(code))
            {
                if ((group.Groups["literal"].Success ? group.Groups["literal"].Value : VariableLiteral(code, group.Groups["variable"].Value)) is { } literal)
                {
                    groups.Add(literal);
                }
            }

            if (code.Contains(".AddGovernanceParameters()", StringComparison.Ordinal))
            {
                reads.Add(Topics.GovernanceParams);
            }
        }

        // Every consumer may dead-letter, so the dead-letter topic is everyone's and no one's input.
        reads.Remove(Topics.DeadLetters);
        return new ServiceTopics(service, writes, reads, referenced, groups);
    }

    /// <summary>
    /// The string a local variable is set to, or null for a group id handed in from elsewhere (a parameter, e.g. the
    /// gateway's lag probes that ask about other services' groups without joining them): the text cannot tell those.
    /// </summary>
    private static string? VariableLiteral(string code, string variable)
    {
        var assignment = Regex.Match(code, $@"\b{Regex.Escape(variable)}\s*=\s*\$?""(?<literal>[^""{{]*)");
        return assignment.Success ? assignment.Groups["literal"].Value : null;
    }

    private static IEnumerable<string> Names(string code) =>
        TopicConstant().Matches(code).Select(m => m.Groups[1].Value).Where(Constants.ContainsKey).Select(Resolve);

    private static string Resolve(string constant) =>
        Constants.TryGetValue(constant, out var name) ? name : throw new InvalidOperationException($"Topics.{constant} is not a topic constant");

    [GeneratedRegex(@"(?<![A-Za-z])Topics\.([A-Z][A-Za-z]+)\b")]
    private static partial Regex TopicConstant();

    [GeneratedRegex(@"Topics\s*\{\s*get;\s*\}\s*=\s*\[([^\]]*)\]")]
    private static partial Regex TranslatorTopics();

    [GeneratedRegex(@"\.Produce\(\s*(?:[A-Za-z.]*\.)?Topics\.([A-Z][A-Za-z]+)")]
    private static partial Regex ProduceCall();

    [GeneratedRegex(@"(?:Topics\s*=\s*|Subscribe\(\s*)\[([^\]]*)\]")]
    private static partial Regex ConsumerTopics();

    [GeneratedRegex(@"\bGroupId\s*=\s*(?:\$?""(?<literal>[^""{]*)|(?<variable>[A-Za-z_]\w*))")]
    private static partial Regex GroupIdAssignment();
}
