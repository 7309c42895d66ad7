package io.bounce.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.Test;

class ProblemTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void detailWithQuotesBackslashesAndControlBytesIsStillOneValidJsonDocument() throws Exception
    {
        final String detail = "row 2: \"x\\y\" \u0000\u0001\u001f\t\r\n\u007f é";
        final JsonNode body = JSON.readTree(Problem.badRequest("click-file-corrupt", detail).toJson());
        assertEquals("row 2: \"x\\y\" ??????? é", body.get("detail").asText(), "control characters never reach a client or a log");
        assertEquals("urn:bounce:problem:click-file-corrupt", body.get("type").asText());
        assertEquals("click-file-corrupt", body.get("rule").asText());
        assertEquals(400, body.get("status").asInt());
    }

    @Test
    void echoedInputIsCutShortWithoutSplittingACharacterAndNeverCarriesMarkup() throws Exception
    {
        final String echo = Problem.echo("a".repeat(63) + "\uD83D\uDE00" + "b".repeat(100));
        assertEquals("a".repeat(63) + "…", echo, "a pair that would straddle the cut is left out whole");
        assertEquals("x?y", Problem.echo("x\uD800y"), "an unpaired surrogate (no JSON writer takes one) becomes ?");
        assertEquals("\uD83D\uDE00", Problem.echo("\uD83D\uDE00"));
        assertEquals(401, Problem.badRequest("r", "z".repeat(5000)).detail().length(), "a detail is at most 400 characters and …");

        final byte[] json = Problem.notFound("no link " + Problem.echo("<script>alert('x')</script>&")).toJson();
        final String raw = new String(json, java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(raw.contains("<") || raw.contains(">") || raw.contains("&") || raw.contains("'"), raw);
        assertEquals("no link <script>alert('x')</script>&", JSON.readTree(json).get("detail").asText(), "the same text, escaped");
    }

    @Test
    void statusesThatCallForAHeaderGetIt()
    {
        final FullHttpResponse busy = Problem.unavailable("busy", "later", 5).toHttpResponse(false);
        assertEquals("5", busy.headers().get(HttpHeaderNames.RETRY_AFTER));
        assertEquals("close", busy.headers().get(HttpHeaderNames.CONNECTION));
        assertEquals(Problem.CONTENT_TYPE, busy.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("nosniff", busy.headers().get("X-Content-Type-Options"));
        assertEquals(Responses.CONTENT_SECURITY_POLICY, busy.headers().get(HttpHeaderNames.CONTENT_SECURITY_POLICY));
        busy.release();

        final FullHttpResponse wrongMethod = Problem.methodNotAllowed("POST", "GET").toHttpResponse(true);
        assertEquals("GET", wrongMethod.headers().get(HttpHeaderNames.ALLOW));
        assertFalse(wrongMethod.headers().contains(HttpHeaderNames.CONNECTION));
        wrongMethod.release();

        final FullHttpResponse noToken = new Problem(401, "unauthenticated", "send a token").toHttpResponse(true);
        assertEquals("Bearer", noToken.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
        assertEquals("Unauthorized", new Problem(401, "unauthenticated", "send a token").title());
        assertNull(noToken.headers().get(HttpHeaderNames.RETRY_AFTER));
        noToken.release();
    }
}
