using System.Net.Sockets;
using System.Text;

namespace Clearing.Testing.Infrastructure;

/// <summary>
/// Is a Docker engine reachable? Asked once per test run with a short timeout, so a machine with only the docker
/// client (no daemon) falls through to local infrastructure at once instead of hanging in Testcontainers.
/// </summary>
public static class DockerEngine
{
    private static readonly Lazy<bool> Reachable = new(Probe);

    public static bool IsReachable => Reachable.Value;

    private static bool Probe()
    {
        if (Environment.GetEnvironmentVariable("CLEARING_TEST_INFRA") is { } forced)
        {
            return forced.Equals("containers", StringComparison.OrdinalIgnoreCase);
        }

        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        try
        {
            using var socket = host is not null && host.StartsWith("tcp://", StringComparison.Ordinal)
                ? Connect(new Uri(host))
                : ConnectUnix(host?.StartsWith("unix://", StringComparison.Ordinal) == true ? host["unix://".Length..] : "/var/run/docker.sock");
            if (socket is null)
            {
                return false;
            }

            socket.ReceiveTimeout = 1000;
            socket.Send(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
            var buffer = new byte[256];
            var read = socket.Receive(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Socket? ConnectUnix(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static Socket Connect(Uri uri)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (!socket.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(1)))
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }

        return socket;
    }
}
