using System.Diagnostics;
using System.Text.Json;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Ops;
using Osr.Orleans.Silo.Options;
using YamlDotNet.RepresentationModel;

namespace Osr.Orleans.IntegrationTests.Deploy;

/// <summary>
/// The images <c>dotnet publish -t:PublishContainer</c> builds (deploy/k8s/README.md), checked without a registry: the
/// SDK's own <c>ComputeContainerConfig</c> target computes the image's name, base, user, ports and command and stops
/// before the base image is pulled. The names and tags are the ones deploy/k8s runs.
/// </summary>
public sealed class ContainerImageTests
{
    [Fact]
    public async Task TheSiloImageRunsTheSiloOnAspNetWithTheOptionsPorts()
    {
        var image = await ComputeAsync(Path.Combine("src", "Silo", "Osr.Orleans.Silo.csproj"));

        image.Repository.Should().Be(Manifests.SiloImage);
        image.BaseImage.Should().Be("mcr.microsoft.com/dotnet/aspnet:10.0", "the ops port is ASP.NET Core (FrameworkReference Microsoft.AspNetCore.App)");
        image.User.Should().Be("app", "not root");
        image.Command.Should().EndWith("Osr.Orleans.Silo.dll");
        image.Ports.Should().BeEquivalentTo([
            new MqttOptions().Port, new MqttOptions().TlsPort, new OpsOptions().Port, new OsrClusterOptions().SiloPort, new OsrClusterOptions().GatewayPort]);
        image.Tags.Should().Equal(KustomizeTag("base", Manifests.SiloImage));
    }

    [Fact]
    public async Task TheAdminImageRunsOsrAdminForTheMigrationJob()
    {
        var image = await ComputeAsync(Path.Combine("src", "Client", "Osr.Orleans.Client.csproj"));

        image.Repository.Should().Be(Manifests.AdminImage);
        image.BaseImage.Should().Be("mcr.microsoft.com/dotnet/runtime:10.0");
        image.User.Should().Be("app");
        image.Command.Should().EndWith("osr-admin.dll");
        image.Ports.Should().BeEmpty();
        image.Tags.Should().Equal(KustomizeTag("migrate", Manifests.AdminImage));
    }

    private sealed record Image(string Repository, string BaseImage, string User, string Command, int[] Ports, string[] Tags);

    private static async Task<Image> ComputeAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "msbuild", project, "-nologo", "-t:ComputeContainerConfig", "-p:Configuration=Release",
            "-getProperty:ContainerRepository", "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser",
            "-getItem:ContainerPort", "-getItem:ContainerAppCommand", "-getItem:ContainerImageTags",
        }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, await output + await error);

        using var json = JsonDocument.Parse(await output);
        var properties = json.RootElement.GetProperty("Properties");
        var items = json.RootElement.GetProperty("Items");
        string[] Identities(string item) => items.TryGetProperty(item, out var list)
            ? [.. list.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)]
            : [];
        return new Image(
            properties.GetProperty("ContainerRepository").GetString()!,
            properties.GetProperty("ContainerBaseImage").GetString()!,
            properties.GetProperty("ContainerUser").GetString()!,
            string.Join(' ', Identities("ContainerAppCommand")),
            [.. Identities("ContainerPort").Select(int.Parse)],
            Identities("ContainerImageTags"));
    }

    /// <summary>The tag a kustomization under deploy/k8s gives an image (its <c>images: - name, newTag</c>).</summary>
    private static string KustomizeTag(string directory, string image)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Manifests.Directory, directory, Manifests.KustomizationFile))) yaml.Load(reader);
        var images = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("images")];
        var entry = images.Cast<YamlMappingNode>().Single(i => ((YamlScalarNode)i.Children[new YamlScalarNode("name")]).Value == image);
        return ((YamlScalarNode)entry.Children[new YamlScalarNode("newTag")]).Value!;
    }
}
