package io.switchplane.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import io.switchplane.api.v1.AddDvsMemberRequest;
import io.switchplane.api.v1.CreateDvsRequest;
import io.switchplane.api.v1.Dvs;
import io.switchplane.api.v1.HostMember;
import io.switchplane.api.v1.UpdateDvsRequest;
import io.switchplane.manager.status.StatusPage;
import io.switchplane.manager.status.StatusView;
import io.switchplane.rpc.metrics.MetricsHttpServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The manager's status page in a real headless Chromium (Debian's chromium and chromium-driver,
 * driven by Selenium) against a running manager with agents: a committed change shows up without a
 * reload, and a host whose agent is down is marked.
 */
class StatusPageIT {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String DRIVER = "/usr/bin/chromedriver";

  @TempDir Path dir;
  private Cluster cluster;
  private MetricsHttpServer http;
  private ChromeDriver browser;

  @BeforeEach
  void setUp() {
    assertThat(new File(CHROMIUM)).as("apt-get install chromium").canRead();
    assertThat(new File(DRIVER)).as("apt-get install chromium-driver").canRead();
    cluster = new Cluster(dir, 2);
    http =
        new MetricsHttpServer(cluster.manager().pushEngine().metrics())
            .route("/", new StatusPage(StatusView.of(cluster.manager())));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // root, as CI runs
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--user-data-dir=" + dir.resolve("chromium"));
    browser =
        new ChromeDriver(
            new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort()
                .build(),
            options);
  }

  @AfterEach
  void tearDown() {
    if (browser != null) {
      browser.quit();
    }
    if (http != null) {
      http.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aCommittedChangeShowsUpWithoutReloadAndAHostThatIsDownIsMarked() throws Exception {
    cluster.api().createDvs(CreateDvsRequest.newBuilder().setName("dvs1").build());
    for (int i = 0; i < 2; i++) {
      cluster
          .api()
          .addDvsMember(
              AddDvsMemberRequest.newBuilder()
                  .setDvs("dvs1")
                  .setMember(HostMember.newBuilder().setHostId(Cluster.host(i)))
                  .build());
    }
    int port = http.start("127.0.0.1", 0);
    browser.get("http://127.0.0.1:" + port + "/");
    assertThat(browser.getTitle()).isEqualTo("Switchplane status");
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(
            () -> hostState("host-1").equals("IN_SYNC") && hostState("host-2").equals("IN_SYNC"));
    // A mark the page keeps only as long as it is not loaded again.
    ((JavascriptExecutor) browser).executeScript("window.notReloaded = 'yes';");

    long generation = describe("rack 7");
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(dvsGeneration()).isEqualTo(generation);
              WebElement progress = browser.findElement(By.id("progress"));
              assertThat(progress.getAttribute("data-generation"))
                  .isEqualTo(String.valueOf(generation));
              assertThat(progress.getAttribute("data-done")).isEqualTo("2");
            });
    assertThat(browser.findElement(By.id("events")).getText()).contains("change_committed");
    assertThat(((JavascriptExecutor) browser).executeScript("return window.notReloaded;"))
        .isEqualTo("yes");
    assertThat(browser.findElements(By.cssSelector("tr.host.trouble"))).isEmpty();

    cluster.stopAgent(1);
    long next = describe("rack 7 and 8");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              WebElement down = browser.findElement(By.cssSelector("tr.host[data-host='host-2']"));
              assertThat(down.getAttribute("data-state")).isEqualTo("UNREACHABLE");
              assertThat(down.getAttribute("class")).contains("trouble");
              assertThat(down.findElement(By.cssSelector("td.error")).getText()).isNotBlank();
              assertThat(hostState("host-1")).isEqualTo("IN_SYNC");
              assertThat(dvsGeneration()).isEqualTo(next);
              assertThat(browser.findElement(By.id("progress")).getText())
                  .contains("1 of 2 hosts hold it", "1 in trouble");
            });
    // Trouble first: the host that is down heads the host table.
    List<WebElement> rows = browser.findElements(By.cssSelector("#hosts tbody tr"));
    assertThat(rows.get(0).getAttribute("data-host")).isEqualTo("host-2");
    assertThat(((JavascriptExecutor) browser).executeScript("return window.notReloaded;"))
        .isEqualTo("yes");
    assertThat(browser.findElement(By.id("live")).getAttribute("data-live")).isEqualTo("true");

    Path shot = Path.of("target", "status-page.png");
    Files.copy(
        browser.getScreenshotAs(OutputType.FILE).toPath(),
        shot,
        StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(shot)).isPositive();

    // The manager gone, the page says its content is stale instead of showing it as live.
    http.close();
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> browser.findElement(By.id("live")).getAttribute("data-live").equals("false"));
  }

  private String hostState(String host) {
    return browser
        .findElement(By.cssSelector("tr.host[data-host='" + host + "']"))
        .getAttribute("data-state");
  }

  private long dvsGeneration() {
    return Long.parseLong(
        browser
            .findElement(By.cssSelector("tr.dvs[data-dvs='dvs1']"))
            .getAttribute("data-generation"));
  }

  /** A new description: a change of the DVS settings, so every member gets it. */
  private long describe(String description) {
    return cluster
        .api()
        .updateDvs(
            UpdateDvsRequest.newBuilder()
                .setDvs("dvs1")
                .setSettings(Dvs.newBuilder().setDescription(description))
                .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                .build())
        .getDvs()
        .getGeneration();
  }
}
