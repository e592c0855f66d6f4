namespace Hostnet.Model;

/// <summary>
/// A user mistake: the request was refused and nothing was changed. The message
/// is one line that says what is wrong and what to do; the CLI prints it after
/// <c>hostnet: error: </c>. A retry without a change cannot succeed.
/// </summary>
public sealed class ValidationException : Exception
{
    public ValidationException()
    {
    }

    public ValidationException(string message) : base(message)
    {
    }

    public ValidationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
