namespace Clearing.Deploy.Tests.Support;

/// <summary>Paths in the repository the tests run from (found by walking up to Clearing.sln).</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var directory = new System.IO.DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Clearing.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Clearing.sln not found above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Chart => Path("deploy/helm/clearing");

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(Path(relative));
}
