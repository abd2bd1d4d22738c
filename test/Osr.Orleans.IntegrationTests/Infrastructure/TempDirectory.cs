namespace Osr.Orleans.IntegrationTests.Infrastructure;

internal static class TempDirectory
{
    /// <summary>A new empty directory under the system temp folder (tests keep their files apart).</summary>
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
