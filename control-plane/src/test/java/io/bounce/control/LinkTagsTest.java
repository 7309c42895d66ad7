package io.bounce.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tags: labels a link's owner finds it by, checked, searched, filtered, and changeable after the edit window. */
class LinkTagsTest
{
    @TempDir
    Path dir;

    @Test
    void linksCarryTagsTheirOwnersFindThemBy() throws Exception
    {
        try (ControlPlaneHarness cp = new ControlPlaneHarness(dir.resolve("data")))
        {
            final String key = cp.adminKey;
            final ControlPlaneHarness.Answer made = cp.post("/api/v1/links", key,
                "{\"url\":\"https://a.example/spring\",\"tags\":[\"Spring-Sale\",\"email\",\"spring-sale\"]}");
            assertEquals(201, made.status, made.toString());
            assertEquals("[\"spring-sale\",\"email\"]", made.json.get("tags").toString(), "lower-cased, each once, in order");
            final String code = made.text("code");
            assertEquals("[]", cp.post("/api/v1/links", key, "{\"url\":\"https://a.example/plain\"}").json.get("tags").toString());

            for (final String bad : new String[] {"[\"has space\"]", "[\"\"]", "[\"-lead\"]", "[\"x,y\"]",
                "[\"" + "t".repeat(33) + "\"]", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]"})
            {
                final ControlPlaneHarness.Answer refused = cp.post("/api/v1/links", key, "{\"url\":\"https://a.example/x\",\"tags\":" + bad + "}");
                assertEquals("tags-invalid", refused.rule(), bad + ": " + refused);
                assertEquals("tags", refused.json.get("field").asText());
            }
            assertEquals("json-type", cp.post("/api/v1/links", key, "{\"url\":\"https://a.example/x\",\"tags\":\"email\"}").rule());

            // Filtered by one tag (any case), found by search, and the rest left out.
            final ControlPlaneHarness.Answer tagged = cp.get("/api/v1/links?tag=EMAIL", key);
            assertEquals(1, tagged.json.get("items").size(), tagged.toString());
            assertEquals(code, tagged.json.get("items").get(0).get("code").asText());
            assertEquals(0, cp.get("/api/v1/links?tag=mail", key).json.get("items").size(), "a tag is matched whole");
            assertEquals(0, cp.get("/api/v1/links?tag=s_ring-sale", key).json.get("items").size(), "_ is a character, not a wildcard");
            assertEquals(1, cp.get("/api/v1/links?search=sale", key).json.get("items").size());
            assertEquals("query-tag", cp.get("/api/v1/links?tag=a,b", key).rule());

            // After the edit window the destination is fixed; the tags still change.
            cp.clock.update(ControlPlaneHarness.START_MS + 60 * 60_000L);
            assertEquals(409, cp.call("PATCH", "/api/v1/links/" + code, key, "{\"url\":\"https://a.example/other\"}").status);
            final ControlPlaneHarness.Answer retagged = cp.call("PATCH", "/api/v1/links/" + code, key, "{\"tags\":[\"autumn\"]}");
            assertEquals(200, retagged.status, retagged.toString());
            assertEquals("[\"autumn\"]", retagged.json.get("tags").toString());
            assertEquals("[]", cp.call("PATCH", "/api/v1/links/" + code, key, "{\"tags\":null}").json.get("tags").toString());
            assertTrue(cp.get("/api/v1/links/" + code, key).json.get("tags").isEmpty());
        }
    }
}
