package stargate.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A real HTTP client for the test controller's admin API, calling as one API key (or none). */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final String base;
    private final String apiKey;

    private Api(String base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    /** As the admin key. */
    public static Api admin() {
        return as(TestController.ADMIN_KEY);
    }

    /** @param apiKey null = no credentials */
    public static Api as(String apiKey) {
        return new Api(TestController.get().baseUrl(), apiKey);
    }

    /** One answer. */
    public record Reply(int status, HttpResponse<String> response) {
        public JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + response.body(), e);
            }
        }

        public String body() {
            return response.body();
        }

        public String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + response.body();
        }
    }

    public Reply get(String path, String... headers) {
        return call("GET", path, null, headers);
    }

    public Reply post(String path, String body, String... headers) {
        return call("POST", path, body, headers);
    }

    public Reply put(String path, String body, String... headers) {
        return call("PUT", path, body, headers);
    }

    public Reply patch(String path, String body, String... headers) {
        return call("PATCH", path, body, headers);
    }

    public Reply delete(String path, String... headers) {
        return call("DELETE", path, null, headers);
    }

    /**
     * @param path    under {@code /api/v1} when it does not start with {@code /}; else from the root
     * @param headers name, value, name, value...; a Content-Type given here replaces application/json
     */
    public Reply call(String method, String path, String body, String... headers) {
        String url = base + (path.startsWith("/") ? path : "/api/v1/" + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) {
            request.header("Content-Type", "application/json");
        }
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
