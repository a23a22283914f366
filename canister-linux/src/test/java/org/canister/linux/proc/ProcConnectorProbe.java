package org.canister.linux.proc;

import org.canister.linux.ErrnoException;

/** Opens a proc connector and prints what happened; run in a child JVM by {@link ProcConnectorUserNamespaceTest}. */
public final class ProcConnectorProbe {
    private ProcConnectorProbe() {
    }

    public static void main(String[] args) {
        try (ProcConnector c = ProcConnector.open(ProcConnector.DEFAULT_RECEIVE_BUFFER, 500)) {
            System.out.println("opened, receive buffer " + c.receiveBufferBytes());
        } catch (ErrnoException e) {
            System.out.println("errno " + e.errnoName() + ": " + e.getMessage());
        }
    }
}
