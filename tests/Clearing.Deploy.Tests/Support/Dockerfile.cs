using System.Text;

namespace Clearing.Deploy.Tests.Support;

/// <summary>A Dockerfile as instructions (continuations joined, comments dropped), grouped by build stage.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments);

internal sealed record DockerStage(string From, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
}

internal static class Dockerfile
{
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var current = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current.Append(line[..^1]).Append(' ');
                continue;
            }

            current.Append(line);
            var instruction = current.ToString().Trim();
            current.Clear();
            if (instruction.Length == 0)
            {
                continue;
            }

            var space = instruction.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new DockerInstruction(instruction.ToUpperInvariant(), "")
                : new DockerInstruction(instruction[..space].ToUpperInvariant(), instruction[(space + 1)..].Trim()));
        }

        var stages = new List<DockerStage>();
        var preamble = new List<DockerInstruction>();
        List<DockerInstruction>? body = null;
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
                body = [];
                stages.Add(new DockerStage(parts[0], parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, body));
            }
            else
            {
                (body ?? preamble).Add(instruction);
            }
        }

        return stages;
    }

    /// <summary>Global ARG defaults (before the first FROM), for resolving ${VAR} in FROM lines.</summary>
    public static IReadOnlyDictionary<string, string> GlobalArguments(string text)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                break;
            }

            if (line.StartsWith("ARG ", StringComparison.Ordinal) && line.Contains('=', StringComparison.Ordinal))
            {
                var definition = line[4..];
                var equals = definition.IndexOf('=', StringComparison.Ordinal);
                var value = definition[(equals + 1)..];
                foreach (var (name, known) in arguments)
                {
                    value = value.Replace("${" + name + "}", known, StringComparison.Ordinal);
                }

                arguments[definition[..equals]] = value;
            }
        }

        return arguments;
    }
}
