package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsServerTest {
    @TempDir
    Path dir;

    @Test
    void shouldServePrometheusTextOnLoopback() throws Exception {
        AtomicLong n = new AtomicLong(41);
        try (MetricsServer s = MetricsServer.start("127.0.0.1", 0, () -> new MetricsServer.Text()
                .metric("canister_test_total", "counter", "A test counter.", n.incrementAndGet())
                .labelled("canister_test_by_sink_total", "counter", "Per sink.", "sink", new String[] {"host", "socket"},
                        new long[] {1, 2}).toString())) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsServer.CONTENT_TYPE);
            assertThat(r.body()).isEqualTo("""
                    # HELP canister_test_total A test counter.
                    # TYPE canister_test_total counter
                    canister_test_total 42
                    # HELP canister_test_by_sink_total Per sink.
                    # TYPE canister_test_by_sink_total counter
                    canister_test_by_sink_total{sink="host"} 1
                    canister_test_by_sink_total{sink="socket"} 2
                    """);
        }
    }

    @Test
    void shouldCountEventsPerSinkInTheServiceMetrics() throws Exception {
        CanisterConfig c = new ConfigLoader().loadEmbedded().withDaemon(dir.resolve("fs"), dir.resolve("state"),
                dir.resolve("log")).withRunDir(dir.resolve("run")).withMetrics(new CanisterConfig.Metrics(0, null));
        c = c.withAudit(c.audit().withMode("off"));
        AtomicLong serial = new AtomicLong(1);
        DaemonStamps stamps = new DaemonStamps() {
            @Override
            public AuditStamp next(long ms) {
                return new AuditStamp(ms / 1000, 0, serial.getAndIncrement());
            }

            @Override
            public void observeKernelLocked(AuditStamp kernel) {
            }
        };
        try (AuditService s = AuditService.open(c, stamps, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))) {
            AuditStamp st = new AuditStamp(5, 0, 5);
            s.submit(new AuditEvent(st, List.of(new AuditRecord(1300, st, "syscall=59")), AuditEvent.Completion.EOE));
            assertThat(s.router().awaitRouted(5000)).isTrue();
            String text = s.metricsText();
            assertThat(text).contains("canister_audit_events_written_total{sink=\"host\"} 1\n")
                    .contains("canister_audit_events_written_total{sink=\"containers\"} 0\n")
                    .contains("canister_audit_queue_dropped_total 0\n")
                    .contains("# TYPE canister_audit_log_suspended gauge\n");
        }
    }
}
