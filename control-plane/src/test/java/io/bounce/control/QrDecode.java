package io.bounce.control;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

/** Test support: read a QR code back, as a scanner does, with ZXing's decoder (not the encoder that made it). */
public final class QrDecode
{
    private static final Pattern VIEW_BOX = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"");
    private static final Pattern MODULE = Pattern.compile("M(\\d+),(\\d+)h1v1h-1z");

    private QrDecode()
    {
    }

    /** @return the text of the QR code in a PNG image. */
    public static String png(final byte[] png) throws Exception
    {
        final BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        final int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        return decode(image.getWidth(), image.getHeight(), pixels);
    }

    /** @return the text of the QR code in an SVG image as the control plane draws it (a path of unit squares). */
    public static String svg(final byte[] svg) throws Exception
    {
        final String text = new String(svg, StandardCharsets.UTF_8);
        final Matcher box = VIEW_BOX.matcher(text);
        if (!box.find())
        {
            throw new AssertionError("no viewBox in " + text);
        }
        final int span = Integer.parseInt(box.group(1));
        final int scale = 8; // rasterise: 8 pixels a module
        final int[] pixels = new int[span * scale * span * scale];
        java.util.Arrays.fill(pixels, 0xFFFFFFFF);
        final Matcher module = MODULE.matcher(text);
        while (module.find())
        {
            final int mx = Integer.parseInt(module.group(1));
            final int my = Integer.parseInt(module.group(2));
            for (int y = my * scale; y < (my + 1) * scale; y++)
            {
                for (int x = mx * scale; x < (mx + 1) * scale; x++)
                {
                    pixels[y * span * scale + x] = 0xFF000000;
                }
            }
        }
        return decode(span * scale, span * scale, pixels);
    }

    private static String decode(final int width, final int height, final int[] pixels) throws Exception
    {
        final BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(width, height, pixels)));
        return new QRCodeReader().decode(bitmap).getText();
    }
}
