package stargate.it.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Blocking HTTP/1.1 calls for the tests, answering -1 instead of throwing when nothing answers. */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Http() {
    }

    /**
     * One answer.
     *
     * @param status      the status code, or -1 when the connection failed or timed out
     * @param body        the body ("" when there was none)
     * @param contentType the Content-Type header, "" when absent
     * @param etag        the ETag header, "" when absent
     */
    public record Answer(int status, String body, String contentType, String etag) {
    }

    public static Answer get(String url) {
        return send("GET", url, null);
    }

    /** {@code method url}, with {@code jsonBody} as {@code application/json} when not null. */
    public static Answer send(String method, String url, String jsonBody) {
        return send(method, url, jsonBody, Map.of());
    }

    /** {@link #send(String, String, String)} with request headers. */
    public static Answer send(String method, String url, String jsonBody, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        headers.forEach(request::header);
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.headers().firstValue("ETag").orElse(""));
        } catch (IOException e) {
            return new Answer(-1, "", "", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "", "", "");
        }
    }
}
