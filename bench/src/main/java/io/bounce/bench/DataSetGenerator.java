package io.bounce.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes a benchmark data set of N links into a directory:
 * <ul>
 *   <li>{@code links.tsv}: {@code code<TAB>url}, for {@code bounce edge --import};</li>
 *   <li>{@code nginx-map.conf}: {@code /code url;} lines for an nginx {@code map} block;</li>
 *   <li>{@code codes.txt}: one code a line, for the wrk script to pick from.</li>
 * </ul>
 * Codes are 7 base62 characters, unique even ignoring case (nginx's {@code map} matches strings
 * case-insensitively, so two codes that differ only in case would collide there). URLs are about 90
 * bytes, shaped like real campaign links. The same seed gives the same data set.
 *
 * <p>Usage: {@code DataSetGenerator DIR [COUNT=1000000] [SEED=42]}
 */
public final class DataSetGenerator
{
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final String[] SITES = {"www.example-shop.com", "news.example.org", "blog.example.net", "store.example.io"};
    private static final String[] SECTIONS = {"products", "articles", "campaigns", "collections"};

    private DataSetGenerator()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length < 1)
        {
            System.err.println("usage: DataSetGenerator DIR [COUNT=1000000] [SEED=42]");
            System.exit(2);
        }
        final Path dir = Path.of(args[0]);
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        final long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        final long start = System.nanoTime();
        generate(dir, count, seed);
        System.out.printf("generated %,d links in %s in %.1f s%n", count, dir, (System.nanoTime() - start) / 1e9);
    }

    static void generate(final Path dir, final int count, final long seed) throws IOException
    {
        Files.createDirectories(dir);
        final SplittableRandom random = new SplittableRandom(seed);
        final Set<String> seenIgnoringCase = new HashSet<>(count * 2);
        long urlBytes = 0;
        try (BufferedWriter tsv = Files.newBufferedWriter(dir.resolve("links.tsv"), StandardCharsets.US_ASCII);
            BufferedWriter map = Files.newBufferedWriter(dir.resolve("nginx-map.conf"), StandardCharsets.US_ASCII);
            BufferedWriter codes = Files.newBufferedWriter(dir.resolve("codes.txt"), StandardCharsets.US_ASCII))
        {
            final char[] code = new char[7];
            for (int i = 0; i < count; i++)
            {
                String c;
                do
                {
                    for (int j = 0; j < code.length; j++)
                    {
                        code[j] = ALPHABET[random.nextInt(ALPHABET.length)];
                    }
                    c = new String(code);
                }
                while (!seenIgnoringCase.add(c.toLowerCase(Locale.ROOT)));
                final String url = "https://" + SITES[random.nextInt(SITES.length)] + "/" +
                    SECTIONS[random.nextInt(SECTIONS.length)] + "/item-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36) +
                    "?utm_source=bounce&utm_medium=link&utm_campaign=c" + random.nextInt(100_000);
                urlBytes += url.length();
                tsv.write(c);
                tsv.write('\t');
                tsv.write(url);
                tsv.write('\n');
                map.write('/');
                map.write(c);
                map.write(' ');
                map.write(url);
                map.write(";\n");
                codes.write(c);
                codes.write('\n');
            }
        }
        System.out.printf("average URL length %.1f bytes%n", count == 0 ? 0.0 : (double)urlBytes / count);
    }
}
