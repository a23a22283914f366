package org.canister.daemon.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /run/canister/audit.sock}: the live event stream on an AF_UNIX stream socket, in auditd's
 * af_unix plugin {@code format = string} (docs/auditd-plugins.5, 3.0.9): one record per line,
 * {@code type=... msg=audit(...): ...\n}, so existing auditd plugins and readers can connect.
 *
 * <h2>A slow client never blocks anyone (audit-userspace#273)</h2>
 * {@link #publish} never blocks: each client has its own bounded queue of events and its own
 * sender (a virtual thread doing blocking writes). A client whose queue is full has fallen
 * {@code clientQueue} events behind: it is disconnected and counted ({@link #slowDisconnects()});
 * it can reconnect and resume from the live stream. The router, the other clients and the kernel
 * reader go on at full speed.
 */
public final class AuditSocketServer implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final int clientQueue;
    private final PrintStream diag;
    private final CopyOnWriteArrayList<Client> clients = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong slowDisconnects = new AtomicLong();
    private final AtomicLong goneDisconnects = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    private AuditSocketServer(Path path, ServerSocketChannel server, int clientQueue, PrintStream diag) {
        this.path = path;
        this.server = server;
        this.clientQueue = clientQueue;
        this.diag = diag;
        this.acceptor = Thread.ofPlatform().name("canister-audit-sock").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Binds the socket (replacing a stale one nobody serves), sets its mode, starts accepting.
     *
     * @throws IOException when another process serves the path, or binding fails
     */
    public static AuditSocketServer open(Path path, Set<PosixFilePermission> mode, int clientQueue, PrintStream diag)
            throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (Files.exists(path)) {
            boolean live;
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                live = probe.isConnected();
            } catch (IOException refused) {
                live = false;
            }
            if (live) {
                throw new IOException("another process serves " + path + " (is another canisterd running?)");
            }
            Files.delete(path); // stale: left by a daemon that did not close
        }
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, mode);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        AuditSocketServer srv = new AuditSocketServer(path, s, clientQueue, diag);
        srv.acceptor.start();
        return srv;
    }

    /** The socket path. */
    public Path path() {
        return path;
    }

    /** Hands one event's lines to every client; never blocks. */
    public void publish(byte[] event) {
        for (Client c : clients) {
            if (!c.queue.offer(event)) {
                dropped.incrementAndGet();
                slowDisconnects.incrementAndGet();
                diag.println("canister: audit.sock client fell " + clientQueue + " events behind; disconnected it"
                        + " (it may reconnect)");
                c.kill();
            }
        }
    }

    /** Whether any client is connected (the router skips rendering for the socket otherwise). */
    public boolean hasClients() {
        return !clients.isEmpty();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    diag.println("canister: audit.sock accept failed: " + e.getMessage());
                }
                continue;
            }
            accepted.incrementAndGet();
            Client c = new Client(ch, clientQueue);
            clients.add(c);
            c.start();
        }
    }

    /** Clients connected now. */
    public int clients() {
        return clients.size();
    }

    /** Clients accepted since start. */
    public long accepted() {
        return accepted.get();
    }

    /** Clients disconnected because they fell behind. */
    public long slowDisconnects() {
        return slowDisconnects.get();
    }

    /** Clients that went away (write failed). */
    public long goneDisconnects() {
        return goneDisconnects.get();
    }

    /** Events written to clients (one per client). */
    public long sent() {
        return sent.get();
    }

    /** Events a slow client did not get before it was disconnected. */
    public long dropped() {
        return dropped.get();
    }

    /** Stops accepting, disconnects every client, removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            diag.println("canister: closing " + path + ": " + e.getMessage());
        }
        for (Client c : clients) {
            c.kill();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            diag.println("canister: cannot remove " + path + ": " + e.getMessage());
        }
    }

    /** One connected reader: its queue and its sender. */
    private final class Client {
        final SocketChannel ch;
        final ArrayBlockingQueue<byte[]> queue;
        private Thread sender;
        private volatile boolean dead;

        Client(SocketChannel ch, int capacity) {
            this.ch = ch;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        void start() {
            sender = Thread.ofVirtual().name("canister-audit-client").start(this::send);
        }

        private void send() {
            try {
                while (!dead) {
                    byte[] b = queue.take();
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    sent.incrementAndGet();
                }
            } catch (InterruptedException | IOException e) {
                if (!dead && !closed) {
                    goneDisconnects.incrementAndGet();
                }
            } finally {
                kill();
            }
        }

        void kill() {
            if (dead) {
                return;
            }
            dead = true;
            clients.remove(this);
            try {
                ch.close();
            } catch (IOException ignored) {
                // already gone
            }
            if (sender != null) {
                sender.interrupt();
            }
        }
    }
}
