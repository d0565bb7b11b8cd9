package stargate.it.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import stargate.it.support.ControllerProcess;
import stargate.it.support.EtcdCluster;

/**
 * Swagger UI at {@code /openapi/ui} in headless Chromium: the document's security schemes give it
 * an Authorize button offering both credentials, and after authorizing with an API key,
 * "Try it out" on listRoutes answers 200 from this controller (servers[0] is "/").
 */
class SwaggerUiBrowserTest {
    private static final String ADMIN_KEY = "swagger-admin-key-0123456789";

    @Test
    void authorizeWithAnApiKeyThenTryItOut(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, "- {name: alice, role: admin, key_sha256: " + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(ADMIN_KEY.getBytes(StandardCharsets.UTF_8))) + "}\n");
        try (EtcdCluster etcd = EtcdCluster.startSingle();
             ControllerProcess controller = ControllerProcess.start(etcd.endpoints(), "/stargate", dir,
                     List.of("--api-keys", keys.toString()));
             Browser browser = Browser.open(controller.url("/openapi/ui/"), dir, By.cssSelector("button.authorize"))) {
            browser.await(By.cssSelector("button.authorize")).click();
            String schemes = browser.await(By.cssSelector(".modal-ux")).getText();
            assertTrue(schemes.contains("apiKey") && schemes.contains("X-API-Key"), schemes);
            assertTrue(schemes.contains("bearerJwt") && schemes.contains("Bearer"), schemes);

            WebElement apiKeyForm = browser.all(By.cssSelector(".modal-ux .auth-container")).stream()
                    .filter(c -> c.getText().contains("X-API-Key")).findFirst().orElseThrow();
            apiKeyForm.findElement(By.cssSelector("input")).sendKeys(ADMIN_KEY);
            apiKeyForm.findElement(By.cssSelector("button.authorize")).click();
            browser.await(By.cssSelector("button.btn-done")).click();

            browser.await(By.cssSelector("#operations-routes-listRoutes .opblock-summary")).click();
            browser.await(By.cssSelector("#operations-routes-listRoutes button.try-out__btn")).click();
            browser.await(By.cssSelector("#operations-routes-listRoutes button.execute")).click();
            String status = browser.await(By.cssSelector(
                    "#operations-routes-listRoutes .live-responses-table .response .response-col_status")).getText();
            assertEquals("200", status.trim(), "Try it out answered " + status);
        }
    }
}
