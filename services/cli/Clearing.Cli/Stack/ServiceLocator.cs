namespace Clearing.Cli.Stack;

/// <summary>
/// Finds each service's built host. In a repo checkout the CLI project builds the services too (project references
/// without assembly references), so their outputs sit beside their projects in the same configuration as the CLI;
/// an installed layout can point `--services` at a folder with one sub-folder per service.
/// </summary>
internal static class ServiceLocator
{
    public static string Locate(ServiceSpec service, DirectoryInfo? servicesRoot)
    {
        var candidates = new List<string>();
        if (servicesRoot is not null)
        {
            candidates.Add(Path.Combine(servicesRoot.FullName, service.Name, service.Assembly + ".dll"));
            candidates.Add(Path.Combine(servicesRoot.FullName, service.Assembly + ".dll"));
        }
        else if (FindRepositoryRoot() is { } root)
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
            var project = Path.Combine(root, "services", service.Folder, service.Assembly, "bin");
            candidates.Add(Path.Combine(project, configuration, "net10.0", service.Assembly + ".dll"));
            candidates.Add(Path.Combine(project, configuration == "Release" ? "Debug" : "Release", "net10.0", service.Assembly + ".dll"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"The {service.Name} service is not built (looked in: {string.Join(", ", candidates)}). " +
                "Build it with `dotnet build Clearing.sln`, or pass --services <folder>.");
    }

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
