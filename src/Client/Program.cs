using Osr.Orleans.Client.Cli;

// osr-admin (docs/contract.md "Admin console"): the command tree lives in Cli/AdminCli.cs, one file per
// command group in Commands/, the Orleans client in Cluster/, CSV import in Csv/, the MQTT simulator in
// Simulation/ (docs/simulator.md).
return await AdminCli.RunAsync(args, CliServices.CreateDefault());
