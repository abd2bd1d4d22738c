using System.CommandLine;
using Osr.Orleans.Client.Broker;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>devices register</c>, <c>import</c>, <c>rotate</c> and <c>revoke</c>.</summary>
public static class DevicesCommands
{
    /// <summary>Grain calls in flight at once during imports: enough to hide latency, few enough not to flood one silo.</summary>
    internal const int ImportConcurrency = 32;

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var devices = new Command("devices", "Register, rotate and revoke devices");
        devices.Add(CreateRegister(services, global));
        devices.Add(CreateImport(services, global));
        devices.Add(CreateRotate(services, global));
        devices.Add(CreateRevoke(services, global));
        return devices;
    }

    private static Command CreateRotate(CliServices services, GlobalOptions global)
    {
        var device = new Argument<string>("device") { Description = "Device id" }.MustBeId("device id");
        var command = new Command("rotate", "Give a registered device a new secret (shown once); the old one is refused and live sessions are closed") { device };
        command.SetHandler(services, global, async ctx =>
        {
            var deviceId = ctx.Get(device)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IDeviceAdminGrain>(deviceId).RotateAsync().ConfigureAwait(false);
            if (!result.Ok || result.Secret is null) throw new CliInputException(result.Error ?? $"device '{deviceId}' was not rotated");
            if (ctx.Json)
            {
                await JsonOutput.WriteAsync(ctx.Out, new RotatedDeviceJson(deviceId, result.Secret), AdminJsonContext.Default.RotatedDeviceJson).ConfigureAwait(false);
            }
            else
            {
                ctx.Services.Console.MarkupLine($"New secret for [bold]{Markup.Escape(deviceId)}[/] (shown once; the old one no longer works, live sessions were closed):");
                ctx.Services.Console.WriteLine(result.Secret);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateRevoke(CliServices services, GlobalOptions global)
    {
        var device = new Argument<string>("device") { Description = "Device id" }.MustBeId("device id");
        var command = new Command("revoke", "Refuse a device from now on and close its live sessions (register it again to re-admit it)") { device };
        command.SetHandler(services, global, async ctx =>
        {
            var deviceId = ctx.Get(device)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            if (!await cluster.Grains.GetGrain<IDeviceAdminGrain>(deviceId).RevokeAsync().ConfigureAwait(false))
                throw new CliInputException($"device '{deviceId}' is not registered");
            if (ctx.Json)
                await JsonOutput.WriteAsync(ctx.Out, new RevokedDeviceJson(deviceId, true), AdminJsonContext.Default.RevokedDeviceJson).ConfigureAwait(false);
            else
                ctx.Services.Console.MarkupLine($"Revoked [bold]{Markup.Escape(deviceId)}[/]: refused from now on, live sessions closed.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateRegister(CliServices services, GlobalOptions global)
    {
        var device = new Option<string>("--device") { Description = "Device id", Required = true }.MustBeId("device id");
        var user = new Option<string>("--user") { Description = "Owner's user id", Required = true }.MustBeId("user id");
        var kind = new Option<string>("--kind")
        {
            Description = "Device kind (its noise profile), e.g. watch, phone, chest-strap",
            DefaultValueFactory = _ => DeviceRow.DefaultKind,
        }.MustBeId("device kind");

        var command = new Command("register", "Register one device for a user and print its secret (shown once)") { device, user, kind };
        command.SetHandler(services, global, async ctx =>
        {
            var deviceId = ctx.Get(device)!;
            var userId = ctx.Get(user)!;
            var deviceKind = ctx.Get(kind)!;

            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IDeviceAdminGrain>(deviceId).RegisterAsync(userId, deviceKind, imported: false).ConfigureAwait(false);
            if (!result.Ok || result.Secret is null)
                throw new CliInputException($"device '{deviceId}' was not registered: {result.Error ?? "refused"}");

            if (ctx.Json)
            {
                await JsonOutput.WriteAsync(ctx.Out, new RegisteredDeviceJson(deviceId, userId, result.Secret), AdminJsonContext.Default.RegisteredDeviceJson).ConfigureAwait(false);
            }
            else
            {
                var console = ctx.Services.Console;
                console.MarkupLine($"Registered [bold]{Markup.Escape(deviceId)}[/] ({Markup.Escape(deviceKind)}) for user [bold]{Markup.Escape(userId)}[/].");
                console.MarkupLine("Secret (shown once, store it on the device):");
                console.WriteLine(result.Secret);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateImport(CliServices services, GlobalOptions global)
    {
        var file = new Argument<string>("devices.csv") { Description = "CSV with header deviceId,userId,kind" };
        var brokerFile = new Option<string?>("--broker-file")
        {
            Description = "External mode, large fleets: do not create the devices' broker accounts one by one; write them into this Mosquitto dynamic-security file instead (stop the broker first, start it after)",
        };
        var command = new Command("import", "Register every device of a CSV file (all or nothing) and print deviceId,secret lines") { file, brokerFile };
        command.SetHandler(services, global, async ctx =>
        {
            var path = ctx.Get(file)!;
            var rows = ReadAndValidate(path);
            var accountsFile = ctx.Get(brokerFile);
            if (accountsFile is not null) DynamicSecurityFile.CheckOption(accountsFile, rows.Select(r => r.DeviceId));

            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var grains = cluster.Grains;
            var ct = ctx.CancellationToken;

            var ownership = new RowError?[rows.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, rows.Count), Parallelism(ct), async (i, _) =>
            {
                var row = rows[i];
                var info = await grains.GetGrain<IDeviceGrain>(row.DeviceId).GetInfoAsync().ConfigureAwait(false);
                if (info is not null && !string.Equals(info.UserId, row.UserId, StringComparison.Ordinal)) ownership[i] = row.OwnedBy(info.UserId);
            }).ConfigureAwait(false);
            ThrowIfAny(path, ownership.OfType<RowError>().ToList(), "registered");

            var results = new DeviceRegistrationResult[rows.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, rows.Count), Parallelism(ct), async (i, _) =>
            {
                var row = rows[i];
                results[i] = await grains.GetGrain<IDeviceAdminGrain>(row.DeviceId).RegisterAsync(row.UserId, row.Kind, imported: true, skipBrokerAccount: accountsFile is not null).ConfigureAwait(false);
            }).ConfigureAwait(false);

            var registered = new List<RegisteredDeviceJson>(rows.Count);
            var failures = new List<string>();
            for (var i = 0; i < rows.Count; i++)
            {
                if (results[i] is { Ok: true, Secret: { } secret }) registered.Add(new RegisteredDeviceJson(rows[i].DeviceId, rows[i].UserId, secret));
                else failures.Add($"{path}: line {rows[i].Line}: device '{rows[i].DeviceId}' was not registered: {results[i].Error ?? "refused"}");
            }

            if (accountsFile is not null && registered.Count > 0)
            {
                try
                {
                    await DynamicSecurityFile.MergeAsync(accountsFile, [.. registered.Select(d => new BrokerAccountEntry(d.DeviceId, d.UserId, d.Secret))], ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is FormatException or IOException)
                {
                    throw new CliFailureException($"{registered.Count} devices are registered but their broker accounts were not written ({ex.Message}); import the file again to register and write them");
                }
                await ctx.Error.WriteLineAsync($"wrote {registered.Count} broker accounts to {accountsFile}; the broker reads it only at start: restart it").ConfigureAwait(false);
            }

            if (ctx.Json)
            {
                await JsonOutput.WriteAsync(ctx.Out, registered.ToArray(), AdminJsonContext.Default.RegisteredDeviceJsonArray).ConfigureAwait(false);
            }
            else
            {
                await ctx.Out.WriteLineAsync("deviceId,secret").ConfigureAwait(false);
                foreach (var d in registered) await ctx.Out.WriteLineAsync($"{d.DeviceId},{d.Secret}").ConfigureAwait(false);
                await ctx.Out.FlushAsync(ct).ConfigureAwait(false);
            }

            if (failures.Count == 0)
            {
                await ctx.Error.WriteLineAsync($"registered {registered.Count} devices").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            foreach (var failure in failures) await ctx.Error.WriteLineAsync(failure).ConfigureAwait(false);
            throw new CliFailureException($"{failures.Count} of {rows.Count} devices were not registered (the others were)");
        });
        return command;
    }

    private static List<DeviceRow> ReadAndValidate(string path)
    {
        CsvTable table;
        try
        {
            table = CsvReader.ReadFile(path);
        }
        catch (CsvFormatException ex)
        {
            throw new CliInputException($"{path}: {ex.Message}; nothing was registered");
        }

        var validation = DeviceRow.ValidateAll(table);
        ThrowIfAny(path, validation.Errors, "registered");
        return [.. validation.Rows];
    }

    internal static void ThrowIfAny(string path, IReadOnlyList<RowError> errors, string verb)
    {
        if (errors.Count == 0) return;
        var problems = errors.OrderBy(e => e.Line).Select(e => $"{path}: {e}").ToList();
        throw new CliInputException($"{path}: {errors.Count} problem{(errors.Count == 1 ? "" : "s")}; nothing was {verb}", problems);
    }

    internal static ParallelOptions Parallelism(CancellationToken ct) => new() { MaxDegreeOfParallelism = ImportConcurrency, CancellationToken = ct };
}
