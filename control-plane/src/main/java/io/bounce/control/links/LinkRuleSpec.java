package io.bounce.control.links;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bounce.replication.link.LinkRules;
import io.bounce.replication.link.RuleSet;
import io.bounce.runtime.crypto.PasswordHash;
import io.bounce.runtime.http.Problem;

/**
 * A link's rules as the API takes them ({@code targets}, {@code variants}, {@code expiredUrl}, {@code og}, {@code utm},
 * {@code password}):
 * checked field by field with a problem naming the field, kept as canonical JSON (the {@code links.rules} column, what
 * the API shows back), and compiled into the {@link RuleSet} every edge applies, with the UTM parameters already in
 * each destination. Every URL a visitor can be sent to goes through the destination policy and the blocklist, like a
 * link's own. A password is kept only as its argon2id hash ({@link PasswordHash}), which no answer shows: a link says
 * {@code "passwordProtected": true} instead. Stateless.
 */
public final class LinkRuleSpec
{
    /** The request fields that are rules. */
    public static final List<String> FIELDS = List.of("targets", "variants", "expiredUrl", "og", "utm", "password");
    /** A password's length bounds, in characters. */
    public static final int MIN_PASSWORD_LENGTH = 4;
    public static final int MAX_PASSWORD_LENGTH = 128;
    /** The rule fields that send visitors somewhere: they change only inside the edit window, as the link's url does. */
    static final Set<String> DESTINATIONS = Set.of("targets", "variants", "expiredUrl");
    static final List<String> UTM_KEYS = List.of("source", "medium", "campaign", "term", "content");
    private static final Set<String> CONDITIONS = Set.of("device", "os", "country", "language", "query");
    private static final Pattern COUNTRY = Pattern.compile("[A-Za-z]{2}");
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*");
    /** A query parameter's name or value as it appears in a URL: visible ASCII but the separators. */
    private static final Pattern QUERY_TEXT = Pattern.compile("[!$'()*+,./0-9:;@A-Z\\[\\]^_`a-z{|}~%-]*");
    private static final int MAX_UTM_LENGTH = 200;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private LinkRuleSpec()
    {
    }

    /**
     * Check the rule fields {@code body} holds and put each, canonical, into the result: a JSON null where the request
     * removes one (an update), absent where it said nothing.
     *
     * @throws Problem 400 naming the field and what is wrong with it.
     */
    static ObjectNode check(final ObjectNode body, final DestinationPolicy destinations)
    {
        final ObjectNode out = MAPPER.createObjectNode();
        for (final String field : FIELDS)
        {
            if (!body.has(field))
            {
                continue;
            }
            final JsonNode value = body.get(field);
            if (value.isNull())
            {
                out.putNull(field);
                continue;
            }
            switch (field)
            {
                case "targets" -> out.set(field, targets(value, destinations));
                case "variants" -> out.set(field, variants(value, destinations));
                case "expiredUrl" -> out.put(field, destination(value, "expiredUrl", destinations));
                case "og" -> out.set(field, preview(value));
                case "password" -> out.put(field, password(value));
                default -> out.set(field, utm(value));
            }
        }
        return out;
    }

    /** @return the rules after {@code change} ({@link #check}ed) is applied to {@code stored} (canonical JSON or null); null when none are left. */
    static String merge(final String stored, final ObjectNode change)
    {
        final ObjectNode rules = stored == null ? MAPPER.createObjectNode() : parse(stored);
        final Iterator<Map.Entry<String, JsonNode>> fields = change.fields();
        while (fields.hasNext())
        {
            final Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue().isNull())
            {
                rules.remove(field.getKey());
            }
            else
            {
                rules.set(field.getKey(), field.getValue());
            }
        }
        if (rules.isEmpty())
        {
            return null;
        }
        // in FIELDS order, so equal rules are equal text
        final ObjectNode ordered = MAPPER.createObjectNode();
        for (final String name : FIELDS)
        {
            if (rules.has(name))
            {
                ordered.set(name, rules.get(name));
            }
        }
        return ordered.toString();
    }

    /** @return true if {@code change} alters a rule that sends visitors somewhere ({@link #DESTINATIONS}). */
    static boolean changesDestinations(final String stored, final ObjectNode change)
    {
        final ObjectNode before = stored == null ? MAPPER.createObjectNode() : parse(stored);
        for (final String field : DESTINATIONS)
        {
            if (change.has(field))
            {
                final JsonNode after = change.get(field);
                final JsonNode was = before.get(field);
                if (after.isNull() ? was != null : !after.equals(was))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /** Show the stored rules in a link's API answer: a password as {@code "passwordProtected": true}, never its hash. */
    public static void render(final String stored, final ObjectNode out)
    {
        final ObjectNode rules = stored == null ? null : parse(stored);
        final boolean password = rules != null && rules.remove("password") != null;
        if (rules != null)
        {
            out.setAll(rules);
        }
        out.put("passwordProtected", password);
    }

    /** What edges get of a link's stored rules: its url with the UTM parameters set, the rules, and whether it sets UTM. */
    public record Compiled(String url, RuleSet rules, boolean utm)
    {
    }

    /**
     * The edges' form of stored rules, from one parse. A deleted link (a tombstone) keeps only its expiredUrl, where its
     * visitors go instead of a 410.
     *
     * @throws IllegalArgumentException if the rules break a bound of the record's format.
     */
    public static Compiled compile(final String url, final String stored, final boolean tombstone)
    {
        final ObjectNode rules = parse(stored);
        final JsonNode utm = rules.get("utm");
        final String expiredUrl = rules.has("expiredUrl") ? rules.get("expiredUrl").asText() : null;
        if (tombstone)
        {
            // a deleted link's fallback is not behind its password: it is where the owner sends everyone now
            return new Compiled(url, expiredUrl == null ? null : new RuleSet(List.of(), List.of(), expiredUrl, null), utm != null);
        }
        final List<RuleSet.Target> targets = new ArrayList<>();
        for (final JsonNode target : rules.path("targets"))
        {
            final JsonNode when = target.get("if");
            final JsonNode query = when.get("query");
            targets.add(new RuleSet.Target(mask(when.get("device"), RuleSet.DEVICES), mask(when.get("os"), RuleSet.OSES),
                texts(when.get("country")), texts(when.get("language")),
                query == null ? RuleSet.QUERY_NONE : query.has("value") ? RuleSet.QUERY_EQUALS : RuleSet.QUERY_PRESENT,
                query == null ? "" : query.get("name").asText(), query == null || !query.has("value") ? "" : query.get("value").asText(),
                withUtm(target.get("url").asText(), utm)));
        }
        final List<RuleSet.Variant> variants = new ArrayList<>();
        for (final JsonNode variant : rules.path("variants"))
        {
            variants.add(new RuleSet.Variant(variant.get("weight").asInt(), withUtm(variant.get("url").asText(), utm)));
        }
        final JsonNode og = rules.get("og");
        return new Compiled(withUtm(url, utm), new RuleSet(targets, variants, expiredUrl, og == null ? null
            : new RuleSet.Preview(og.path("title").asText(""), og.path("description").asText(""), og.path("image").asText("")),
            rules.has("password") ? rules.get("password").asText() : null), utm != null);
    }

    /**
     * @param destination a click's destination as analytics name it: {@code url}, {@code target-N}, {@code variant-N}
     *                    (from 1) or {@code expired}.
     * @return where that destination sends visitors under the link's current rules, or null when it has no such rule now.
     */
    public static String destinationUrl(final String url, final String stored, final String destination)
    {
        if (destination.equals("url"))
        {
            return url;
        }
        if (stored == null)
        {
            return null;
        }
        final ObjectNode rules = parse(stored);
        if (destination.equals("expired"))
        {
            return rules.has("expiredUrl") ? rules.get("expiredUrl").asText() : null;
        }
        final int dash = destination.lastIndexOf('-');
        final String kind = dash < 0 ? "" : destination.substring(0, dash);
        final JsonNode list = kind.equals("target") ? rules.get("targets") : kind.equals("variant") ? rules.get("variants") : null;
        try
        {
            final int index = Integer.parseInt(destination.substring(dash + 1)) - 1;
            return list == null || index < 0 || index >= list.size() ? null : list.get(index).get("url").asText();
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private static ArrayNode targets(final JsonNode value, final DestinationPolicy destinations)
    {
        if (!value.isArray() || value.size() > RuleSet.MAX_TARGETS)
        {
            throw invalid("targets", "targets must be an array of at most " + RuleSet.MAX_TARGETS + " {\"if\": {...}, \"url\": ...}");
        }
        final ArrayNode out = MAPPER.createArrayNode();
        for (int i = 0; i < value.size(); i++)
        {
            final String where = "targets[" + i + "]";
            final JsonNode target = value.get(i);
            if (!target.isObject() || !target.has("if") || !target.has("url") || target.size() != 2 || !target.get("if").isObject())
            {
                throw invalid(where, "each target is {\"if\": {conditions}, \"url\": URL}");
            }
            final JsonNode when = target.get("if");
            final ObjectNode checked = MAPPER.createObjectNode();
            final Iterator<String> names = when.fieldNames();
            while (names.hasNext())
            {
                final String name = names.next();
                if (!CONDITIONS.contains(name))
                {
                    throw invalid(where + ".if." + name, "a target may test device, os, country, language and query");
                }
            }
            if (when.isEmpty())
            {
                throw invalid(where + ".if", "a target must test something (device, os, country, language or query)");
            }
            words(when, "device", RuleSet.DEVICES, where, checked);
            words(when, "os", RuleSet.OSES, where, checked);
            list(when, "country", COUNTRY, 2, where, checked, true);
            list(when, "language", LANGUAGE, RuleSet.MAX_LANGUAGE_LENGTH, where, checked, false);
            if (when.has("query"))
            {
                checked.set("query", query(when.get("query"), where + ".if.query"));
            }
            final ObjectNode entry = MAPPER.createObjectNode();
            entry.set("if", checked);
            entry.put("url", destination(target.get("url"), where + ".url", destinations));
            out.add(entry);
        }
        return out;
    }

    private static void words(final JsonNode when, final String name, final List<String> allowed, final String where, final ObjectNode out)
    {
        if (!when.has(name))
        {
            return;
        }
        final ArrayNode checked = MAPPER.createArrayNode();
        for (final JsonNode word : asList(when.get(name), where + ".if." + name))
        {
            final String text = word.asText().toLowerCase(Locale.ROOT);
            if (!allowed.contains(text))
            {
                throw invalid(where + ".if." + name, name + " must be one or more of " + String.join(", ", allowed) + ", not " +
                    Problem.echo(word.asText()));
            }
            checked.add(text);
        }
        out.set(name, checked);
    }

    private static void list(final JsonNode when, final String name, final Pattern pattern, final int maxLength, final String where,
        final ObjectNode out, final boolean upper)
    {
        if (!when.has(name))
        {
            return;
        }
        final ArrayNode checked = MAPPER.createArrayNode();
        final List<JsonNode> items = asList(when.get(name), where + ".if." + name);
        if (items.size() > RuleSet.MAX_LIST)
        {
            throw invalid(where + ".if." + name, "at most " + RuleSet.MAX_LIST + " of them");
        }
        for (final JsonNode item : items)
        {
            final String text = item.asText();
            if (text.length() > maxLength || !pattern.matcher(text).matches())
            {
                throw invalid(where + ".if." + name, upper ? "country must be ISO 3166-1 alpha-2 codes (US, DE), not " + Problem.echo(text)
                    : "language must be language tags (en, pt-BR), not " + Problem.echo(text));
            }
            checked.add(upper ? text.toUpperCase(Locale.ROOT) : text.toLowerCase(Locale.ROOT));
        }
        out.set(name, checked);
    }

    private static List<JsonNode> asList(final JsonNode node, final String where)
    {
        final List<JsonNode> items = new ArrayList<>();
        if (node.isTextual())
        {
            items.add(node);
        }
        else if (node.isArray() && !node.isEmpty())
        {
            for (final JsonNode item : node)
            {
                if (!item.isTextual())
                {
                    throw invalid(where, "must be a string or an array of strings");
                }
                items.add(item);
            }
        }
        else
        {
            throw invalid(where, "must be a string or a non-empty array of strings");
        }
        return items;
    }

    private static ObjectNode query(final JsonNode node, final String where)
    {
        final ObjectNode out = MAPPER.createObjectNode();
        final JsonNode name = node.isTextual() ? node : node.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty() || name.asText().length() > RuleSet.MAX_QUERY_NAME_LENGTH ||
            !QUERY_TEXT.matcher(name.asText()).matches() || node.isObject() && node.size() > (node.has("value") ? 2 : 1))
        {
            throw invalid(where, "query is a parameter name, or {\"name\": ..., \"value\": ...}, written as in a URL (1 to " +
                RuleSet.MAX_QUERY_NAME_LENGTH + " characters, no '&', '=', '#' or spaces)");
        }
        out.put("name", name.asText());
        if (node.isObject() && node.has("value"))
        {
            final JsonNode value = node.get("value");
            if (!value.isTextual() || value.asText().length() > RuleSet.MAX_QUERY_VALUE_LENGTH || !QUERY_TEXT.matcher(value.asText()).matches())
            {
                throw invalid(where + ".value", "query value is written as in a URL, at most " + RuleSet.MAX_QUERY_VALUE_LENGTH +
                    " characters, no '&', '=', '#' or spaces");
            }
            out.put("value", value.asText());
        }
        return out;
    }

    private static ArrayNode variants(final JsonNode value, final DestinationPolicy destinations)
    {
        if (!value.isArray() || value.size() < 2 || value.size() > RuleSet.MAX_VARIANTS)
        {
            throw invalid("variants", "variants must be an array of 2 to " + RuleSet.MAX_VARIANTS + " {\"url\": ..., \"weight\": N}");
        }
        final ArrayNode out = MAPPER.createArrayNode();
        for (int i = 0; i < value.size(); i++)
        {
            final String where = "variants[" + i + "]";
            final JsonNode variant = value.get(i);
            if (!variant.isObject() || !variant.has("url") || variant.size() != (variant.has("weight") ? 2 : 1))
            {
                throw invalid(where, "each variant is {\"url\": URL, \"weight\": N}");
            }
            final JsonNode weight = variant.get("weight");
            if (weight != null && (!weight.canConvertToInt() || !weight.isIntegralNumber() || weight.asInt() < 1 ||
                weight.asInt() > RuleSet.MAX_WEIGHT))
            {
                throw invalid(where + ".weight", "weight must be a whole number from 1 to " + RuleSet.MAX_WEIGHT);
            }
            final ObjectNode entry = MAPPER.createObjectNode();
            entry.put("url", destination(variant.get("url"), where + ".url", destinations));
            entry.put("weight", weight == null ? 1 : weight.asInt());
            out.add(entry);
        }
        return out;
    }

    /** @return the argon2id hash of a password the API was given (the password itself is not kept anywhere). */
    private static String password(final JsonNode value)
    {
        final String password = value.isTextual() ? value.asText() : null;
        final int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (password == null || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH || hasControl(password))
        {
            // never echo it back
            throw invalid("password", "password must be text of " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH +
                " characters, without control characters");
        }
        return PasswordHash.hash(password);
    }

    private static ObjectNode preview(final JsonNode value)
    {
        if (!value.isObject() || value.isEmpty())
        {
            throw invalid("og", "og is {\"title\", \"description\", \"image\"}, at least one of them");
        }
        final ObjectNode out = MAPPER.createObjectNode();
        final Iterator<String> names = value.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            final JsonNode field = value.get(name);
            final int max = switch (name)
            {
                case "title" -> RuleSet.MAX_TITLE_BYTES;
                case "description" -> RuleSet.MAX_DESCRIPTION_BYTES;
                case "image" -> RuleSet.MAX_IMAGE_URL_BYTES;
                default -> throw invalid("og." + name, "og has title, description and image");
            };
            if (!field.isTextual() || field.asText().getBytes(StandardCharsets.UTF_8).length > max || hasControl(field.asText()))
            {
                throw invalid("og." + name, "og." + name + " must be text of at most " + max + " bytes, without control characters");
            }
            if (name.equals("image"))
            {
                final String reason = LinkRules.checkUrl(field.asText(), max);
                if (reason != null)
                {
                    throw invalid("og.image", "og.image: " + reason);
                }
            }
            out.put(name, field.asText());
        }
        return out;
    }

    private static ObjectNode utm(final JsonNode value)
    {
        if (!value.isObject() || value.isEmpty())
        {
            throw invalid("utm", "utm is {\"source\", \"medium\", \"campaign\", \"term\", \"content\"}, at least one of them");
        }
        final ObjectNode out = MAPPER.createObjectNode();
        final Iterator<String> names = value.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!UTM_KEYS.contains(name))
            {
                throw invalid("utm." + name, "utm has source, medium, campaign, term and content");
            }
        }
        for (final String name : UTM_KEYS)
        {
            final JsonNode field = value.get(name);
            if (field == null)
            {
                continue;
            }
            if (!field.isTextual() || field.asText().isEmpty() || field.asText().length() > MAX_UTM_LENGTH || hasControl(field.asText()))
            {
                throw invalid("utm." + name, "utm." + name + " must be 1 to " + MAX_UTM_LENGTH + " characters, without control characters");
            }
            out.put(name, field.asText());
        }
        return out;
    }

    private static String destination(final JsonNode value, final String where, final DestinationPolicy destinations)
    {
        if (!value.isTextual())
        {
            throw invalid(where, where + " must be a URL");
        }
        try
        {
            return destinations.check(value.asText());
        }
        catch (final Problem problem)
        {
            // the policy's own rule (url-blocked, url-private, ...) with the field it was found in
            throw new Problem(problem.status(), problem.rule(), problem.title(), where + ": " + problem.detail()).with("field", where);
        }
    }

    /** {@code url} with {@code utm}'s parameters set before any fragment, replacing parameters of the same name. */
    static String withUtm(final String url, final JsonNode utm)
    {
        if (utm == null)
        {
            return url;
        }
        final int hash = url.indexOf('#');
        final String fragment = hash < 0 ? "" : url.substring(hash);
        final String beforeFragment = hash < 0 ? url : url.substring(0, hash);
        final int question = beforeFragment.indexOf('?');
        final String base = question < 0 ? beforeFragment : beforeFragment.substring(0, question);
        final StringBuilder query = new StringBuilder();
        if (question >= 0)
        {
            for (final String param : beforeFragment.substring(question + 1).split("&"))
            {
                final String name = param.indexOf('=') < 0 ? param : param.substring(0, param.indexOf('='));
                if (!param.isEmpty() && !(name.startsWith("utm_") && utm.has(name.substring(4))))
                {
                    query.append(query.length() == 0 ? "" : "&").append(param);
                }
            }
        }
        for (final String key : UTM_KEYS)
        {
            if (utm.has(key))
            {
                query.append(query.length() == 0 ? "" : "&").append("utm_").append(key).append('=')
                    .append(URLEncoder.encode(utm.get(key).asText(), StandardCharsets.UTF_8));
            }
        }
        return base + '?' + query + fragment;
    }

    private static int mask(final JsonNode words, final List<String> names)
    {
        int mask = 0;
        if (words != null)
        {
            for (final JsonNode word : words)
            {
                mask |= 1 << names.indexOf(word.asText());
            }
        }
        return mask;
    }

    private static List<String> texts(final JsonNode array)
    {
        final List<String> out = new ArrayList<>();
        if (array != null)
        {
            for (final JsonNode item : array)
            {
                out.add(item.asText());
            }
        }
        return out;
    }

    private static boolean hasControl(final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F)
            {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode parse(final String stored)
    {
        try
        {
            return (ObjectNode)MAPPER.readTree(stored);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("stored link rules are not JSON", ex);
        }
    }

    private static Problem invalid(final String field, final String detail)
    {
        return Problem.badRequest("rules-invalid", detail).with("field", field);
    }
}
