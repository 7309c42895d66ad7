package io.bounce.edge.replica;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The edge ships Chronicle Values' generated {@code VanillaGlobalMutableState$$Native} so it does not
 * compile it with javac at every start. This fails when the pinned Chronicle would generate something
 * else: regenerate the file (its header says how).
 */
class PregeneratedChronicleClassTest
{
    @Test
    void shippedClassIsWhatThePinnedChronicleGenerates() throws Exception
    {
        final Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        final Object model = valueModel.getMethod("acquire", Class.class)
            .invoke(null, Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState"));
        final Method generate = Class.forName("net.openhft.chronicle.values.Generators")
            .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        final String generated = (String)generate.invoke(null, model, "VanillaGlobalMutableState" + valueModel.getField("$$NATIVE").get(null));

        final String shipped = Files.readString(
            Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java"), StandardCharsets.UTF_8);
        assertEquals(generated, shipped.substring(shipped.indexOf("package ")));
        assertEquals(Class.forName("net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native").getProtectionDomain().getCodeSource(),
            LinkReplica.class.getProtectionDomain().getCodeSource(), "the shipped class is the one on the class path");
    }
}
