using k8s;
using k8s.Models;
using Osr.Orleans.IntegrationTests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Osr.Orleans.IntegrationTests.Deploy;

/// <summary>Every manifest under deploy/k8s, loaded with the Kubernetes client's own model.</summary>
internal sealed class Manifests
{
    public static string Directory { get; } = Path.Combine(RepoPaths.Root, "deploy", "k8s");

    public const string KustomizationFile = "kustomization.yaml";

    private Manifests(IReadOnlyList<(string File, object Object)> objects) => Objects = objects;

    /// <summary>Each object with the file it came from (relative to deploy/k8s).</summary>
    public IReadOnlyList<(string File, object Object)> Objects { get; }

    public static async Task<Manifests> LoadAsync()
    {
        var objects = new List<(string, object)>();
        foreach (var file in ManifestFiles())
            foreach (var o in await KubernetesYaml.LoadAllFromFileAsync(file))
                objects.Add((Path.GetRelativePath(Directory, file), o));
        return new Manifests(objects);
    }

    /// <summary>The YAML files that hold Kubernetes objects (all but the kustomizations).</summary>
    public static IEnumerable<string> ManifestFiles() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != KustomizationFile).Order(StringComparer.Ordinal);

    public static IEnumerable<string> Kustomizations() =>
        System.IO.Directory.EnumerateFiles(Directory, KustomizationFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>The paths a kustomization names (resources, components, patches), relative to its directory.</summary>
    public static IEnumerable<string> ListedPaths(string kustomization)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(kustomization)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (var key in new[] { "resources", "components", "patchesStrategicMerge" })
            if (root.Children.TryGetValue(new YamlScalarNode(key), out var list))
                foreach (var item in (YamlSequenceNode)list) yield return ((YamlScalarNode)item).Value!;
        if (root.Children.TryGetValue(new YamlScalarNode("patches"), out var patches))
            foreach (var patch in ((YamlSequenceNode)patches).Cast<YamlMappingNode>())
                if (patch.Children.TryGetValue(new YamlScalarNode("path"), out var path)) yield return ((YamlScalarNode)path).Value!;
    }

    public IEnumerable<T> All<T>() => Objects.Select(o => o.Object).OfType<T>();

    public T Single<T>(string name, string? file = null) where T : IMetadata<V1ObjectMeta> =>
        Objects.Where(o => file is null || o.File == file).Select(o => o.Object).OfType<T>().Should()
            .ContainSingle(o => o.Metadata.Name == name, $"{typeof(T).Name} {name} is defined once{(file is null ? "" : " in " + file)}").Subject;

    /// <summary>The silo Deployment of the base, and the overlays' patches of it.</summary>
    public IEnumerable<V1Deployment> SiloDeployments() => All<V1Deployment>().Where(d => d.Metadata.Name == SiloName);

    public const string SiloName = "osr-silo";

    public const string SiloImage = "osr-orleans-silo";

    public const string AdminImage = "osr-orleans-admin";

    /// <summary>The base silo Deployment, the one with containers ports and probes.</summary>
    public V1Deployment BaseSilo => Single<V1Deployment>(SiloName, Path.Combine("base", "silo.yaml"));

    public V1Container BaseSiloContainer => BaseSilo.Spec.Template.Spec.Containers.Should().ContainSingle(c => c.Image == SiloImage).Subject;

    public V1ConfigMap SiloConfigMap => Single<V1ConfigMap>(SiloName);
}
