package io.bounce.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test support: a small MMDB database (IPv4, 24-bit records), written from the format's specification
 * (maxmind.github.io/MaxMind-DB), so tests need no download and no writer tool. Each network maps to a record of
 * strings and maps, as real country databases hold them.
 */
public final class TestMmdb
{
    private final Map<String, Map<String, Object>> networks = new LinkedHashMap<>();

    /** Map {@code cidr} (such as {@code 127.0.0.0/8}) to {@code record}. Networks must not overlap. */
    public TestMmdb network(final String cidr, final Map<String, Object> record)
    {
        networks.put(cidr, record);
        return this;
    }

    /** Write the database to {@code file} (through a temporary file moved into place, as an update does). */
    public Path write(final Path file) throws IOException
    {
        final List<int[]> nodes = new ArrayList<>();
        nodes.add(new int[] {-1, -1});
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final List<Integer> offsets = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Object>> network : networks.entrySet())
        {
            offsets.add(data.size());
            encode(network.getValue(), data);
        }
        int n = 0;
        for (final String cidr : networks.keySet())
        {
            final String[] parts = cidr.split("/");
            final byte[] address = InetAddress.getByName(parts[0]).getAddress();
            final int length = Integer.parseInt(parts[1]);
            int node = 0;
            for (int bit = 0; bit < length; bit++)
            {
                final int side = (address[bit / 8] >> (7 - bit % 8)) & 1;
                if (bit == length - 1)
                {
                    nodes.get(node)[side] = -2 - n; // data n
                }
                else
                {
                    if (nodes.get(node)[side] < 0)
                    {
                        nodes.add(new int[] {-1, -1});
                        nodes.get(node)[side] = nodes.size() - 1;
                    }
                    node = nodes.get(node)[side];
                }
            }
            n++;
        }
        final int count = nodes.size();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final int[] node : nodes)
        {
            for (final int record : node)
            {
                final int value = record == -1 ? count : record <= -2 ? count + 16 + offsets.get(-2 - record) : record;
                out.write(value >> 16);
                out.write(value >> 8);
                out.write(value);
            }
        }
        out.write(new byte[16]);
        data.writeTo(out);
        out.write(new byte[] {(byte)0xAB, (byte)0xCD, (byte)0xEF});
        out.write("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("binary_format_major_version", new Uint16(2));
        metadata.put("binary_format_minor_version", new Uint16(0));
        metadata.put("build_epoch", new Uint64(System.currentTimeMillis() / 1000));
        metadata.put("database_type", "Bounce-Test-Country");
        metadata.put("description", Map.of("en", "Bounce's test database"));
        metadata.put("ip_version", new Uint16(4));
        metadata.put("languages", List.of("en"));
        metadata.put("node_count", new Uint32(count));
        metadata.put("record_size", new Uint16(24));
        encode(metadata, out);
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, out.toByteArray());
        return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private record Uint16(int value)
    {
    }

    private record Uint32(long value)
    {
    }

    private record Uint64(long value)
    {
    }

    private static void encode(final Object value, final ByteArrayOutputStream out)
    {
        if (value instanceof String text)
        {
            final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            control(2, bytes.length, out);
            out.writeBytes(bytes);
        }
        else if (value instanceof Map<?, ?> map)
        {
            control(7, map.size(), out);
            map.forEach((k, v) ->
            {
                encode(k, out);
                encode(v, out);
            });
        }
        else if (value instanceof List<?> list)
        {
            out.write(list.size());      // extended type: size in the first byte's low bits (type bits 0)...
            out.write(11 - 7);           // ...then the type: array
            list.forEach(item -> encode(item, out));
        }
        else if (value instanceof Uint16 u)
        {
            unsigned(5, u.value(), 2, out);
        }
        else if (value instanceof Uint32 u)
        {
            unsigned(6, u.value(), 4, out);
        }
        else if (value instanceof Uint64 u)
        {
            out.write(8);
            out.write(9 - 7);
            for (int i = 7; i >= 0; i--)
            {
                out.write((int)(u.value() >> (8 * i)));
            }
        }
        else
        {
            throw new IllegalArgumentException("cannot encode " + value);
        }
    }

    private static void control(final int type, final int size, final ByteArrayOutputStream out)
    {
        if (size >= 29)
        {
            throw new IllegalArgumentException("test values stay under 29 bytes");
        }
        out.write((type << 5) | size);
    }

    private static void unsigned(final int type, final long value, final int bytes, final ByteArrayOutputStream out)
    {
        control(type, bytes, out);
        for (int i = bytes - 1; i >= 0; i--)
        {
            out.write((int)(value >> (8 * i)));
        }
    }
}
