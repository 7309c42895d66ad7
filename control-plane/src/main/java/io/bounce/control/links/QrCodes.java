package io.bounce.control.links;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import javax.imageio.ImageIO;

import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.Encoder;
import com.google.zxing.qrcode.encoder.QRCode;
import io.bounce.runtime.http.Problem;

/**
 * A short link as a QR code: ZXing's encoder makes the modules (error correction M, which survives a smudged print),
 * and this draws them, as SVG (one path, crisp at any size) or PNG (black on white, each module a whole number of
 * pixels, so no scanner sees a blurred edge).
 */
public final class QrCodes
{
    /** Image size in pixels (PNG) or user units (SVG). */
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 2048;
    public static final int DEFAULT_SIZE = 512;
    /** Quiet zone around the code, in modules: the standard asks for 4. */
    public static final int MAX_MARGIN = 16;
    public static final int DEFAULT_MARGIN = 4;

    private QrCodes()
    {
    }

    /** The modules of {@code text}'s QR code. */
    private static ByteMatrix modules(final String text)
    {
        try
        {
            final QRCode code = Encoder.encode(text, ErrorCorrectionLevel.M, Map.of(EncodeHintType.CHARACTER_SET, "UTF-8"));
            return code.getMatrix();
        }
        catch (final WriterException ex)
        {
            throw Problem.unprocessable("qr-too-long", "this short URL does not fit a QR code");
        }
    }

    /** @return {@code text} as an SVG QR code {@code size} units wide with a quiet zone of {@code margin} modules. */
    public static byte[] svg(final String text, final int size, final int margin)
    {
        final ByteMatrix matrix = modules(text);
        final int span = matrix.getWidth() + 2 * margin;
        final StringBuilder path = new StringBuilder(matrix.getWidth() * matrix.getHeight() * 4);
        for (int y = 0; y < matrix.getHeight(); y++)
        {
            for (int x = 0; x < matrix.getWidth(); x++)
            {
                if (matrix.get(x, y) == 1)
                {
                    path.append('M').append(x + margin).append(',').append(y + margin).append("h1v1h-1z");
                }
            }
        }
        final String svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + size + "\" height=\"" + size + "\" viewBox=\"0 0 " + span + " " + span +
            "\" shape-rendering=\"crispEdges\">" +
            "<rect width=\"" + span + "\" height=\"" + span + "\" fill=\"#fff\"/>" +
            "<path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
        return svg.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @return {@code text} as a PNG QR code about {@code size} pixels wide (a whole number of pixels per module, at least
     * one) with a quiet zone of {@code margin} modules.
     */
    public static byte[] png(final String text, final int size, final int margin)
    {
        final ByteMatrix matrix = modules(text);
        final int span = matrix.getWidth() + 2 * margin;
        final int scale = Math.max(1, size / span);
        final int pixels = span * scale;
        final BufferedImage image = new BufferedImage(pixels, pixels, BufferedImage.TYPE_BYTE_BINARY);
        final int white = 0xFFFFFF;
        for (int y = 0; y < pixels; y++)
        {
            for (int x = 0; x < pixels; x++)
            {
                final int mx = x / scale - margin;
                final int my = y / scale - margin;
                final boolean dark = mx >= 0 && my >= 0 && mx < matrix.getWidth() && my < matrix.getHeight() && matrix.get(mx, my) == 1;
                image.setRGB(x, y, dark ? 0 : white);
            }
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try
        {
            ImageIO.write(image, "png", out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // in memory: cannot happen
        }
        return out.toByteArray();
    }
}
