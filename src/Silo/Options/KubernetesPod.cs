using System.Net;
using Orleans.Hosting.Kubernetes;

namespace Osr.Orleans.Silo.Options;

/// <summary>
/// What a silo in <c>Osr:Cluster:Mode=Kubernetes</c> learns about its pod from the environment: the variables that
/// Orleans' Kubernetes hosting reads (the pod's name, namespace and IP, set from the downward API in
/// deploy/k8s/base/silo.yaml; the optional service and cluster ids) and the API server address Kubernetes gives every
/// pod. Read once at start; <see cref="OsrClusterOptionsValidator"/> checks it so that a missing variable stops the
/// silo with a message naming it, before Orleans starts.
/// </summary>
public sealed record KubernetesPod(string? Name, string? Namespace, string? IP, string? ServiceId, string? ClusterId, string? ApiServerHost)
{
    public const string NameVariable = KubernetesHostingOptions.PodNameEnvironmentVariable;
    public const string NamespaceVariable = KubernetesHostingOptions.PodNamespaceEnvironmentVariable;
    public const string IPVariable = KubernetesHostingOptions.PodIPEnvironmentVariable;
    public const string ServiceIdVariable = KubernetesHostingOptions.ServiceIdEnvironmentVariable;
    public const string ClusterIdVariable = KubernetesHostingOptions.ClusterIdEnvironmentVariable;

    /// <summary>Set by Kubernetes in every container; the hosting's in-cluster client dials it.</summary>
    public const string ApiServerHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>The pod labels the hosting selects the cluster's pods by; their values must be the silo's ids.</summary>
    public const string ServiceIdLabel = KubernetesHostingOptions.ServiceIdLabel;

    public const string ClusterIdLabel = KubernetesHostingOptions.ClusterIdLabel;

    /// <param name="variable">Reads one environment variable (the process's: <see cref="Environment.GetEnvironmentVariable(string)"/>).</param>
    public static KubernetesPod Read(Func<string, string?> variable) => new(
        variable(NameVariable), variable(NamespaceVariable), variable(IPVariable),
        variable(ServiceIdVariable), variable(ClusterIdVariable), variable(ApiServerHostVariable));

    /// <summary>Why this environment cannot host a silo of the cluster <see cref="OsrClusterOptions.ClusterId"/>; empty when it can.</summary>
    public IReadOnlyList<string> Problems()
    {
        const string Mode = $"{OsrClusterOptions.Section}:Mode Kubernetes";
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ApiServerHost))
            problems.Add($"{Mode} runs only inside a Kubernetes pod ({ApiServerHostVariable} is not set); outside Kubernetes use {OsrClusterOptions.Section}:Mode AdoNet");
        if (string.IsNullOrWhiteSpace(Name))
            problems.Add($"{Mode} needs the pod's name in {NameVariable} (downward API: fieldRef metadata.name)");
        if (string.IsNullOrWhiteSpace(Namespace))
            problems.Add($"{Mode} needs the pod's namespace in {NamespaceVariable} (downward API: fieldRef metadata.namespace)");
        if (string.IsNullOrWhiteSpace(IP))
            problems.Add($"{Mode} needs the pod's address in {IPVariable} (downward API: fieldRef status.podIP)");
        else if (!IPAddress.TryParse(IP, out var address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            problems.Add($"{Mode}: {IPVariable} must be the pod's own IP address, got '{IP}'");
        // osr-admin and the membership table know the cluster as "osr"; another id would split the cluster from its clients.
        if (!string.IsNullOrWhiteSpace(ServiceId) && ServiceId != OsrClusterOptions.ServiceId)
            problems.Add($"{Mode}: {ServiceIdVariable} must be '{OsrClusterOptions.ServiceId}' or unset (the id osr-admin and the membership table use), got '{ServiceId}'");
        if (!string.IsNullOrWhiteSpace(ClusterId) && ClusterId != OsrClusterOptions.ClusterId)
            problems.Add($"{Mode}: {ClusterIdVariable} must be '{OsrClusterOptions.ClusterId}' or unset (the id osr-admin and the membership table use), got '{ClusterId}'");
        return problems;
    }
}
