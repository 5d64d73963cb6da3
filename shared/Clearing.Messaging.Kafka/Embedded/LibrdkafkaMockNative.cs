using System.Reflection;
using System.Runtime.InteropServices;

namespace Clearing.Messaging.Kafka.Embedded;

/// <summary>
/// librdkafka's mock-cluster C API (rdkafka_mock.h). Confluent.Kafka ships the library but wraps none of this,
/// so the embedded broker owns its own <c>rd_kafka_t</c> and talks to the mock cluster directly.
/// </summary>
internal static unsafe partial class LibrdkafkaMockNative
{
    private const string Library = "librdkafka";

    public const int ProducerType = 0;

    static LibrdkafkaMockNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMockNative).Assembly, Resolve);
    }

    /// <summary>
    /// Binds to the very library Confluent.Kafka loaded. Its loader falls back between several builds
    /// (e.g. centos8-librdkafka.so when libsasl2 is missing); plain probing for "librdkafka" would pick the
    /// first one and fail on such machines.
    /// </summary>
    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return IntPtr.Zero;
        }

        if (!Confluent.Kafka.Library.IsLoaded)
        {
            Confluent.Kafka.Library.Load();
        }

        var loadedPath = FindLoadedLibrdkafka();
        if (loadedPath is not null && NativeLibrary.TryLoad(loadedPath, out var handle))
        {
            return handle;
        }

        return NativeLibrary.TryLoad(libraryName, assembly, searchPath, out var fallback) ? fallback : IntPtr.Zero;
    }

    private static string? FindLoadedLibrdkafka()
    {
        const string maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(maps))
        {
            return null;
        }

        foreach (var line in File.ReadLines(maps))
        {
            var pathStart = line.IndexOf('/', StringComparison.Ordinal);
            if (pathStart < 0)
            {
                continue;
            }

            var path = line[pathStart..];
            var fileName = Path.GetFileName(path);
            if (fileName.Contains("librdkafka", StringComparison.Ordinal) && fileName.Contains(".so", StringComparison.Ordinal))
            {
                return path;
            }
        }

        return null;
    }

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_err2str(int err);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_clear_request_errors(IntPtr mcluster, short apiKey);

    public static string ErrorText(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2str(err)) ?? $"error {err}";
}
