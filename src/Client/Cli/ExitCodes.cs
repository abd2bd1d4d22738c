namespace Osr.Orleans.Client.Cli;

/// <summary>Process exit codes (docs/contract.md "Admin console").</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Anything that is not the caller's fault: cluster unreachable, a grain call failed.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments or a bad input file; nothing was changed.</summary>
    public const int BadInput = 2;
}

/// <summary>Bad input from the caller: reported on stderr, exit code 2, nothing changed.</summary>
public sealed class CliInputException : Exception
{
    public CliInputException(string message) : base(message) => Problems = [message];

    public CliInputException(string summary, IReadOnlyList<string> problems) : base(summary) => Problems = problems;

    /// <summary>Every problem found (e.g. one per bad CSV line); printed one per line.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>A failure that is not bad input (exit code 1), with a message meant for the operator.</summary>
public sealed class CliFailureException(string message, Exception? inner = null) : Exception(message, inner);
