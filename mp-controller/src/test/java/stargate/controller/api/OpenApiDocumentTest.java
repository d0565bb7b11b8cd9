package stargate.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import stargate.controller.Api;
import stargate.controller.TestController;

/**
 * The OpenAPI document as served, held to the rules of Redocly CLI's recommended set that matter to
 * its readers (Swagger UI, client generators), so CI needs no linter from outside Maven; and
 * docs/openapi.json (what clients are generated from, it-tests' OpenApiClientTest) must be it.
 * Redocly itself: {@code npx @redocly/cli lint docs/openapi.json} (docs/api.md).
 */
class OpenApiDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Path CHECKED_IN = Path.of("..", "docs", "openapi.json");
    private static JsonNode doc;

    @BeforeAll
    static void served() throws Exception {
        Api.Reply reply = Api.as(null).get("/openapi", "Accept", "application/json");
        assertEquals(200, reply.status(), reply.toString());
        doc = reply.json();
        // What a developer copies to docs/openapi.json when the API changes (see the failure below).
        Path dump = Path.of("target", "openapi.json");
        Files.createDirectories(dump.getParent());
        Files.writeString(dump, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
    }

    @Test
    void theCheckedInDocumentIsTheServedOne() throws Exception {
        assertTrue(Files.exists(CHECKED_IN), "docs/openapi.json is missing");
        assertEquals(JSON.readTree(CHECKED_IN.toFile()), doc,
                "docs/openapi.json differs from the document the controller serves: "
                        + "cp mp-controller/target/openapi.json docs/openapi.json (and commit it)");
    }

    @Test
    void everyOperationHasAUniqueIdASummaryADeclaredTagAndA4xxAnswer() {
        Set<String> ids = new HashSet<>();
        Set<String> declaredTags = new HashSet<>();
        doc.path("tags").forEach(t -> declaredTags.add(t.path("name").asText()));
        Set<String> usedTags = new TreeSet<>();
        operations((where, op) -> {
            String id = op.path("operationId").asText("");
            assertTrue(id.matches("[a-z][A-Za-z0-9]*"), where + ": operationId \"" + id + "\" is not a method name");
            assertTrue(ids.add(id), where + ": operationId " + id + " is used twice");
            assertFalse(op.path("summary").asText("").isBlank(), where + ": no summary");
            assertEquals(1, op.path("tags").size(), where + ": tags " + op.path("tags"));
            op.path("tags").forEach(t -> {
                assertTrue(declaredTags.contains(t.asText()), where + ": tag " + t + " is not declared");
                usedTags.add(t.asText());
            });
            List<String> fourXx = new ArrayList<>();
            op.path("responses").fieldNames().forEachRemaining(code -> {
                if (code.startsWith("4")) {
                    fourXx.add(code);
                }
            });
            assertFalse(fourXx.isEmpty(), where + ": no 4xx response");
        });
        assertTrue(ids.containsAll(List.of("listRoutes", "createRoute", "getRoute", "replaceRoute", "patchRoute",
                "deleteRoute", "deleteCertificate", "replaceConfig")), "operations: " + ids);
        assertEquals(new TreeSet<>(declaredTags), usedTags, "a declared tag no operation uses");
        doc.path("tags").forEach(t -> assertFalse(t.path("description").asText("").isBlank(), "tag without description: " + t));
    }

    @Test
    void everyPathParameterIsDeclaredAndRequired() {
        Pattern template = Pattern.compile("\\{([^}]+)}");
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            if (!METHODS.contains(method.getKey())) {
                return;
            }
            Set<String> declared = new HashSet<>();
            List.of(path.getValue().path("parameters"), method.getValue().path("parameters")).forEach(list -> list.forEach(p -> {
                if (p.path("in").asText().equals("path")) {
                    assertTrue(p.path("required").asBoolean(), path.getKey() + ": path parameter not required: " + p);
                    declared.add(p.path("name").asText());
                }
            }));
            Set<String> inPath = new HashSet<>();
            Matcher m = template.matcher(path.getKey());
            while (m.find()) {
                inPath.add(m.group(1));
            }
            assertEquals(inPath, declared, method.getKey() + " " + path.getKey());
        }));
    }

    @Test
    void bothCredentialsAreSchemesAppliedToEveryOperationButTheSignedWebhook() {
        JsonNode schemes = doc.at("/components/securitySchemes");
        assertEquals("apiKey", schemes.at("/apiKey/type").asText());
        assertEquals("header", schemes.at("/apiKey/in").asText());
        assertEquals("X-API-Key", schemes.at("/apiKey/name").asText());
        assertEquals("http", schemes.at("/bearerJwt/type").asText());
        assertEquals("bearer", schemes.at("/bearerJwt/scheme").asText());
        assertEquals("JWT", schemes.at("/bearerJwt/bearerFormat").asText());
        // Either one: a list of requirement objects is an OR.
        assertEquals(JSON.valueToTree(List.of(Map.of("apiKey", List.of()), Map.of("bearerJwt", List.of()))), doc.get("security"));
        List<String> ownSecurity = new ArrayList<>();
        operations((where, op) -> {
            if (op.has("security")) {
                ownSecurity.add(where);
                op.get("security").forEach(r -> r.fieldNames().forEachRemaining(name ->
                        assertTrue(schemes.has(name), where + ": undefined security scheme " + name)));
            } else {
                assertTrue(op.path("responses").has("401") && op.path("responses").has("403"), where + ": no 401/403");
            }
        });
        assertEquals(List.of("post /api/v1/gitops/webhook"), ownSecurity);
        assertEquals("[{}]", doc.at("/paths/~1api~1v1~1gitops~1webhook/post/security").toString(), "the webhook needs no API credentials");
    }

    @Test
    void theSchemesAreWhatTheControllerAccepts() throws Exception {
        String key = doc.at("/components/securitySchemes/apiKey/name").asText();
        String bearer = "Authorization";
        String token = TestController.get().token("ursula", "viewer", Instant.now().plusSeconds(300), TestController.ISSUER);
        Api anonymous = Api.as(null);
        assertEquals(401, anonymous.get("routes").status());
        assertEquals(200, anonymous.get("routes", key, TestController.VIEWER_KEY).status());
        assertEquals(200, anonymous.get("routes", bearer, doc.at("/components/securitySchemes/bearerJwt/scheme").asText()
                + " " + token).status());
    }

    @Test
    void everyWriteThatCanRollOutDocumentsThe202AndItsRollout() {
        List<String> rollouts = new ArrayList<>();
        operations((where, op) -> {
            boolean canRollOut = false;
            for (JsonNode p : op.path("parameters")) {
                canRollOut |= p.path("name").asText().equals("rollout");
            }
            if (canRollOut) {
                rollouts.add(where);
                assertEquals("#/components/schemas/Rollout",
                        op.at("/responses/202/content/application~1json/schema/$ref").asText(), where);
            }
        });
        assertTrue(rollouts.containsAll(List.of("post /api/v1/routes", "put /api/v1/config", "delete /api/v1/upstreams/{id}")),
                rollouts.toString());
    }

    @Test
    void serversLicenseAndNoUnusedOrDanglingComponents() {
        assertTrue(doc.path("servers").size() > 0, "no servers");
        doc.path("servers").forEach(s -> {
            String url = s.path("url").asText();
            assertTrue(url.equals("/") || !url.endsWith("/"), "trailing slash: " + url);
            assertFalse(url.contains("example.com"), url);
        });
        assertFalse(doc.at("/info/license/name").asText("").isBlank(), "no license");
        assertFalse(doc.at("/info/description").asText("").isBlank(), "no description");

        Set<String> refs = new TreeSet<>();
        collectRefs(doc, refs);
        Set<String> defined = new TreeSet<>();
        doc.path("components").fields().forEachRemaining(kind -> {
            if (!kind.getKey().equals("securitySchemes")) {
                kind.getValue().fieldNames().forEachRemaining(name -> defined.add("#/components/" + kind.getKey() + "/" + name));
            }
        });
        Set<String> dangling = new TreeSet<>(refs);
        dangling.removeAll(defined);
        assertEquals(Set.of(), dangling, "$refs to nothing");
        Set<String> unused = new TreeSet<>(defined);
        unused.removeAll(refs);
        assertEquals(Set.of(), unused, "components nothing refers to");
    }

    private static void collectRefs(JsonNode node, Set<String> refs) {
        if (node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }

    private static void operations(BiConsumer<String, JsonNode> check) {
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(method -> {
            if (METHODS.contains(method.getKey())) {
                check.accept(method.getKey() + " " + path.getKey(), method.getValue());
            }
        }));
    }
}
