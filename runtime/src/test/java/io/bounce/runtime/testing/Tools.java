package io.bounce.runtime.testing;

import java.util.concurrent.TimeUnit;

/** Test support: the command-line tools a test drives (curl, openssl, h2load, chromium), installed with apt-get where missing. */
public final class Tools
{
    private Tools()
    {
    }

    /** Install {@code debianPackage} unless {@code command} is on the PATH already. */
    public static void ensure(final String command, final String debianPackage) throws Exception
    {
        if (new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() != 0)
        {
            new ProcessBuilder("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " +
                "--no-install-recommends " + debianPackage).inheritIO().start().waitFor(600, TimeUnit.SECONDS);
        }
    }
}
