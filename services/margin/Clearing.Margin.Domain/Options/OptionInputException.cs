namespace Clearing.Margin.Domain.Options;

/// <summary>An option model was given an input it cannot price; <see cref="ArgumentException.ParamName"/> names it.</summary>
public sealed class OptionInputException : ArgumentException
{
    public OptionInputException()
    {
    }

    public OptionInputException(string message)
        : base(message) => Problem = message;

    public OptionInputException(string message, Exception innerException)
        : base(message, innerException) => Problem = message;

    public OptionInputException(string message, string field)
        : base(message, field) => Problem = message;

    /// <summary>The problem without the "(Parameter …)" suffix, for callers that name the field their own way
    /// (the CLI names its flag).</summary>
    public string Problem { get; } = string.Empty;
}
