namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>Paths inside the checkout the tests run from (scripts, shipped data).</summary>
internal static class RepoPaths
{
    /// <summary>The checkout's root: the first parent of the test binaries holding <c>Osr.Orleans.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string Script(string name) => Path.Combine(Root, "scripts", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Osr.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Osr.Orleans.sln above {AppContext.BaseDirectory}");
    }
}
