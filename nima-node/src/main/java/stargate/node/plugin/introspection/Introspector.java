package stargate.node.plugin.introspection;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import stargate.model.plugin.OAuth2IntrospectionConfig;
import stargate.node.plugin.BoundedHttp;

/**
 * One introspection call (RFC 7662 §2): {@code POST endpoint} with {@code token=…&token_type_hint=access_token},
 * the gateway authenticated as a client with HTTP Basic (RFC 6749 §2.3.1: id and secret form-encoded
 * first). The whole call, connect to last body byte, is bounded by {@code timeout} (then cancelled,
 * its connection closed: {@link BoundedHttp}); an answer other
 * than 200 with a JSON object of at most {@link #MAX_ANSWER_BYTES} is a failure of the endpoint, not
 * a verdict on the token.
 */
final class Introspector {
    /** The longest a request waits for the endpoint; then 503. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** A larger answer is refused (a real one is a few hundred bytes). */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    /**
     * What the endpoint said about a token.
     *
     * @param active    {@code "active": true}, as a JSON boolean
     * @param expiresAt {@code exp} in epoch seconds, or -1 when absent
     */
    record Answer(boolean active, long expiresAt, String issuer, List<String> audiences, String subject) {
        static final Answer INACTIVE = new Answer(false, -1, null, List.of(), null);
    }

    /** The endpoint did not answer usefully in time. */
    static final class FailedException extends Exception {
        FailedException(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private final URI endpoint;
    private final String authorization;
    private final Duration timeout;

    Introspector(OAuth2IntrospectionConfig config, Duration timeout) {
        this.endpoint = URI.create(config.endpoint());
        String credentials = form(config.clientId()) + ":" + form(config.clientSecret());
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
    }

    Answer introspect(String token) throws FailedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + form(token) + "&token_type_hint=access_token"))
                .build();
        HttpResponse<byte[]> response;
        try {
            response = BoundedHttp.send(CLIENT, request, MAX_ANSWER_BYTES, timeout);
        } catch (HttpTimeoutException e) {
            throw new FailedException("no answer within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailedException("interrupted", e);
        } catch (IOException e) {
            throw new FailedException(String.valueOf(e.getMessage()), e);
        }
        if (response.statusCode() != 200) {
            throw new FailedException("status " + response.statusCode(), null);
        }
        try {
            return parse(response.body());
        } catch (IOException e) {
            throw new FailedException("not a JSON answer", e);
        }
    }

    /** RFC 7662 §2.2: only {@code "active": true} (a JSON boolean) is active; {@code aud} is a string or an array. */
    static Answer parse(byte[] body) throws IOException {
        JsonNode answer = JSON.readTree(body);
        if (answer == null || !answer.isObject()) {
            throw new IOException("not a JSON object");
        }
        if (!answer.path("active").isBoolean() || !answer.path("active").booleanValue()) {
            return Answer.INACTIVE;
        }
        List<String> audiences = new ArrayList<>(2);
        JsonNode aud = answer.path("aud");
        if (aud.isTextual()) {
            audiences.add(aud.textValue());
        } else if (aud.isArray()) {
            aud.forEach(a -> {
                if (a.isTextual()) {
                    audiences.add(a.textValue());
                }
            });
        }
        JsonNode exp = answer.path("exp");
        return new Answer(true, exp.isNumber() ? exp.longValue() : -1, text(answer, "iss"), List.copyOf(audiences),
                text(answer, "sub"));
    }

    private static String text(JsonNode answer, String field) {
        JsonNode value = answer.path(field);
        return value.isTextual() ? value.textValue() : null;
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
