package org.canister.daemon.audit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Prometheus text exposition (format 0.0.4) over HTTP: {@code GET /metrics}. Hand-written text
 * with the JDK's HTTP server, one request at a time: a scrape every few seconds needs nothing more,
 * and the daemon gains no dependency. Bound to loopback by default (metrics tell what is being
 * audited).
 */
public final class MetricsServer implements AutoCloseable {
    /** The exposition format's content type. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Serves {@code text} at {@code http://bind:port/metrics}.
     *
     * @throws IOException when the address cannot be bound (port in use)
     */
    public static MetricsServer start(String bind, int port, Supplier<String> text) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 16);
        s.createContext("/metrics", ex -> answer(ex, text));
        s.setExecutor(null);
        s.start();
        return new MetricsServer(s);
    }

    private static void answer(HttpExchange ex, Supplier<String> text) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = text.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if ("HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The bound port (useful with port 0 in tests). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Appends Prometheus text lines: HELP, TYPE and one sample per label set. */
    public static final class Text {
        private final StringBuilder b = new StringBuilder(4096);

        /** A metric without labels. */
        public Text metric(String name, String type, String help, long value) {
            head(name, type, help);
            b.append(name).append(' ').append(value).append('\n');
            return this;
        }

        /** A metric with one label and several values: {@code labelValues[i]} = {@code values[i]}. */
        public Text labelled(String name, String type, String help, String label, String[] labelValues, long[] values) {
            head(name, type, help);
            for (int i = 0; i < labelValues.length; i++) {
                b.append(name).append('{').append(label).append("=\"").append(labelValues[i]).append("\"} ")
                        .append(values[i]).append('\n');
            }
            return this;
        }

        private void head(String name, String type, String help) {
            b.append("# HELP ").append(name).append(' ').append(help).append('\n');
            b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
