package io.bounce.runtime.launch;

import java.util.List;
import java.util.regex.Pattern;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Renders {@code docs/configuration.md} from the roles' configuration classes, the same annotations that
 * produce {@code --help}, so the reference cannot say anything the code does not. A test in
 * {@code system-tests} compares the file with this rendering and fails when it is stale.
 */
public final class ConfigurationReference
{
    /** The "Default: ${DEFAULT-VALUE}" sentence descriptions end with: the table has a column for it. */
    private static final Pattern DEFAULT_SENTENCE = Pattern.compile("\\s*Default: \\$\\{DEFAULT-VALUE}\\.?");

    private ConfigurationReference()
    {
    }

    /**
     * @param roles the configuration object of each role, in the order the page lists them.
     * @return the whole Markdown page.
     */
    public static String render(final List<Object> roles)
    {
        final StringBuilder out = new StringBuilder(16 * 1024);
        out.append("# Configuration reference\n\n")
            .append("<!-- Generated from the configuration classes by ConfigurationReferenceTest (system-tests); do not edit.\n")
            .append("     Regenerate: mvn -q -B -pl system-tests -am test -Dtest=ConfigurationReferenceTest ")
            .append("-Dsurefire.failIfNoSpecifiedTests=false -Dbounce.updateDocs=true -->\n\n")
            .append("Every option of every role, with its environment variable and default. Each role reads an option from,\n")
            .append("in this order: the command line; the environment (`--admin-port` ↔ `BOUNCE_ADMIN_PORT`); the config file\n")
            .append("named by `--config FILE` or `BOUNCE_CONFIG`, a Java properties file of `name=value` lines with the\n")
            .append("option's name without its dashes (`admin-port=9080`); then the default below. A config file key that\n")
            .append("names no option is refused at start, as is any value out of its range: the process exits with 2 and\n")
            .append("says which option and why, before it opens a port or a file.\n\n")
            .append("`--help` on each role prints the same list. Example files for a PoP: `ops/examples/pop/`.\n\n");
        for (final Object role : roles)
        {
            final CommandSpec spec = new CommandLine(role).getCommandSpec();
            // Raw descriptions: the default has a column of its own, so its "Default: ${DEFAULT-VALUE}" sentence goes.
            spec.interpolateVariables(false);
            out.append("## `").append(spec.name()).append("`\n\n")
                .append(String.join(" ", spec.usageMessage().description())).append("\n\n")
                .append("| option | environment | default | what it sets |\n")
                .append("| --- | --- | --- | --- |\n");
            for (final OptionSpec option : spec.options())
            {
                if (option.usageHelp() || option.versionHelp())
                {
                    continue;
                }
                final String name = option.longestName();
                final String label = option.arity().max == 0 ? "" : " " + option.paramLabel();
                final String environment = "--config".equals(name) ? "`BOUNCE_CONFIG`" : "`" + LaunchDefaults.environmentName(name) + "`";
                out.append("| `").append(name).append(code(label)).append("` | ")
                    .append(environment).append(" | ")
                    .append(defaultOf(option)).append(" | ")
                    .append(cell(DEFAULT_SENTENCE.matcher(String.join(" ", option.description())).replaceAll(""))).append(" |\n");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String defaultOf(final OptionSpec option)
    {
        final String value = option.defaultValue();
        if (value == null)
        {
            return option.arity().max == 0 ? "`false`" : "—";
        }
        return value.isEmpty() ? "(empty)" : "`" + code(value) + "`";
    }

    /** Inside a code span only the table's pipe needs escaping. */
    private static String code(final String text)
    {
        return text.replace("|", "\\|");
    }

    private static String cell(final String text)
    {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
