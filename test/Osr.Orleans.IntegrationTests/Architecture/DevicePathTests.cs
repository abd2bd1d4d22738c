using System.Reflection;
using System.Reflection.Emit;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.IntegrationTests.Architecture;

/// <summary>
/// The device path (the MQTT ingress, <c>src/Silo/Ingress</c>) reaches only the device-path methods of the grains: it cannot
/// register, rotate, revoke or forget a device, or make any admin change (docs/decisions.md, "The admin path and the device
/// path"). Read from the compiled code: every grain-interface method called by a method of an ingress type (lambdas and
/// async state machines included).
/// </summary>
public sealed class DevicePathTests
{
    /// <summary>What a device may cause: be authenticated, send readings and events.</summary>
    private static readonly string[] DevicePath =
    [
        $"{nameof(IDeviceGrain)}.{nameof(IDeviceGrain.AuthenticateAsync)}",
        $"{nameof(IDeviceGrain)}.{nameof(IDeviceGrain.GetOwnerAsync)}",
        $"{nameof(IUserStateGrain)}.{nameof(IUserStateGrain.IngestAsync)}",
        $"{nameof(IUserStateGrain)}.{nameof(IUserStateGrain.RecordEventAsync)}",
    ];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void TheIngressCallsOnlyDevicePathMethodsOfTheGrains()
    {
        var called = GrainMethodsCalledBy(typeof(MqttIngress).Assembly, typeof(MqttIngress).Namespace!);

        called.Should().Contain(DevicePath, "the scan must see the ingress's calls at all, or it proves nothing");
        called.Should().BeSubsetOf(DevicePath);
    }

    [Fact]
    public void TheSameScanSeesTheConsolesAdminCallsThroughTheAdminInterfaces()
    {
        var called = GrainMethodsCalledBy(typeof(Osr.Orleans.Client.Commands.DevicesCommands).Assembly, typeof(Osr.Orleans.Client.Commands.DevicesCommands).Namespace!);

        called.Should().Contain(["IDeviceAdminGrain.RegisterAsync", "IDeviceAdminGrain.RotateAsync", "IDeviceAdminGrain.RevokeAsync",
            "IUserAdminGrain.ImportProfileAsync", "IUserAdminGrain.ForgetAsync", "IModelAdminGrain.StartTrainingAsync", "IModelAdminGrain.PromoteAsync",
            "IModelAdminGrain.RollbackAsync", "IRulesGrain.SetAsync"]);
        // The console's changes all go through the audited interfaces.
        called.Should().NotContain(["IDeviceGrain.RegisterAsync", "IDeviceGrain.RotateAsync", "IDeviceGrain.RevokeAsync", "IUserStateGrain.SetProfileAsync",
            "IUserEraserGrain.ForgetAsync", "IModelRegistryGrain.StartTrainingAsync", "IModelRegistryGrain.PromoteAsync", "IModelRegistryGrain.RollbackAsync"]);
    }

    [Fact]
    public void AdminChangesAreNotOnTheDeviceGrainsDevicePathMethods()
    {
        typeof(IDeviceAdminGrain).GetMethods().Select(m => m.Name).Should().BeEquivalentTo("RegisterAsync", "RotateAsync", "RevokeAsync");
        DevicePath.Should().NotContain(m => m.StartsWith(nameof(IDeviceAdminGrain), StringComparison.Ordinal)
            || m.StartsWith(nameof(IUserAdminGrain), StringComparison.Ordinal) || m.StartsWith(nameof(IModelAdminGrain), StringComparison.Ordinal));
    }

    /// <summary>"Interface.Method" of every method of a grain interface (the project's) called by a type of <paramref name="ns"/>.</summary>
    private static HashSet<string> GrainMethodsCalledBy(Assembly assembly, string ns)
    {
        var called = new HashSet<string>(StringComparer.Ordinal);
        var grainInterfaces = typeof(IDeviceGrain).Assembly;
        foreach (var type in assembly.GetTypes().Where(t => t.Namespace == ns))
        {
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                foreach (var target in CalledMethods(method))
                {
                    if (target.DeclaringType is { IsInterface: true } declaring && declaring.Assembly == grainInterfaces && typeof(IGrain).IsAssignableFrom(declaring))
                        called.Add($"{declaring.Name}.{target.Name}");
                }
            }
        }
        return called;
    }

    /// <summary>The methods <paramref name="method"/>'s IL calls, creates or takes the address of.</summary>
    private static IEnumerable<MethodBase> CalledMethods(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var genericType = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var genericMethod = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var opCode = OpCodesByValue[value];
            i += opCode.Size;
            var operand = OperandSize(opCode.OperandType, il, i);
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? target = null;
                try
                {
                    target = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), genericType, genericMethod);
                }
                catch (ArgumentException)
                {
                    // A token this context cannot resolve (a generic in another context): not a grain interface's method.
                }
                if (target is not null) yield return target;
            }
            i += operand;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
