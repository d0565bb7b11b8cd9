package stargate.it.ui;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver (no Selenium Manager: the
 * machine has no internet), with a fresh profile that is deleted on close. Paths can be moved with
 * {@code -Dstargate.chromium=...} and {@code -Dstargate.chromedriver=...}; when either is missing
 * the tests fail saying what to install (CI installs both: .ci/run).
 */
final class Browser implements AutoCloseable {
    /** Generous: the box runs several builds at once, and a page render is a few API calls. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ChromeDriver driver;
    private final Path profile;
    private final String base;

    private Browser(ChromeDriver driver, Path profile, String base) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
    }

    /** @param base the dashboard's URL, e.g. {@code http://127.0.0.1:9080/ui/} */
    static Browser open(String base, Path dir) throws Exception {
        return open(base, dir, By.id("signin"));
    }

    /** Opens {@code url} and waits until {@code ready} shows (another page than the dashboard: Swagger UI). */
    static Browser open(String url, Path dir, By ready) throws Exception {
        Path chromium = Path.of(System.getProperty("stargate.chromium", "/usr/bin/chromium"));
        Path chromedriver = Path.of(System.getProperty("stargate.chromedriver", "/usr/bin/chromedriver"));
        for (Path tool : List.of(chromium, chromedriver)) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException(tool + " is missing: the dashboard tests need a real browser. "
                        + "Install it with: apt-get install -y chromium chromium-driver (.ci/run does)");
            }
        }
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile()).addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,860", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
        Browser browser = new Browser(driver, profile, url);
        driver.get(url);
        browser.await(ready);
        return browser;
    }

    /** Shows {@code hash} (e.g. {@code #/routes}) in the same tab (so the sign-in stays) and waits for it. */
    void show(String hash) {
        String before = renders();
        js("if (location.hash === arguments[0]) window.dispatchEvent(new HashChangeEvent('hashchange'));"
                + " else location.hash = arguments[0];", hash);
        new WebDriverWait(driver, WAIT).withMessage(() -> "the page " + hash + " renders")
                .until(d -> hash.equals(main().getDomAttribute("data-ready")) && !before.equals(renders()));
    }

    private String renders() {
        String n = main().getDomAttribute("data-renders");
        return n == null ? "" : n;
    }

    private WebElement main() {
        return driver.findElement(By.id("main"));
    }

    WebElement await(By by) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class)
                .withMessage(() -> by + " shows up").until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    /** Waits until the element's text contains {@code text}, and answers the whole text. */
    String awaitText(By by, String text) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class)
                .withMessage(() -> by + " shows \"" + text + "\"; the page says: "
                + driver.findElement(By.tagName("main")).getText()).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() || !found.get(0).getText().contains(text) ? null : found.get(0).getText();
        });
    }

    List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    WebElement find(By by) {
        return driver.findElement(by);
    }

    void type(By by, String text) {
        WebElement input = await(by);
        input.clear();
        input.sendKeys(text);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void signIn(String key) {
        driver.get(base);
        await(By.id("signin"));
        type(By.id("secret"), key);
        find(By.id("signin-go")).click();
    }

    void signOut() {
        await(By.id("signout")).click();
        await(By.id("signin"));
    }

    /** Saves the window as {@code <name>.png} when {@code -Dstargate.ui.screenshots=DIR} is set (docs/ui). */
    void screenshot(String name) throws Exception {
        String dir = System.getProperty("stargate.ui.screenshots");
        if (dir != null) {
            File png = driver.getScreenshotAs(OutputType.FILE);
            Files.createDirectories(Path.of(dir));
            Files.copy(png.toPath(), Path.of(dir, name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
