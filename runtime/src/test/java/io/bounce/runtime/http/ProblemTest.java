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
        assertEquals(detail, body.get("detail").asText());
        assertEquals("urn:bounce:problem:click-file-corrupt", body.get("type").asText());
        assertEquals("click-file-corrupt", body.get("rule").asText());
        assertEquals(400, body.get("status").asInt());
    }

    @Test
    void statusesThatCallForAHeaderGetIt()
    {
        final FullHttpResponse busy = Problem.unavailable("busy", "later", 5).toHttpResponse(false);
        assertEquals("5", busy.headers().get(HttpHeaderNames.RETRY_AFTER));
        assertEquals("close", busy.headers().get(HttpHeaderNames.CONNECTION));
        assertEquals(Problem.CONTENT_TYPE, busy.headers().get(HttpHeaderNames.CONTENT_TYPE));
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
