package org.canister.linux.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.canister.core.audit.AuditRules;

/**
 * The facts auditctl looks up on the host while it parses rules, read from this machine:
 * whether a watched path is a directory ({@code stat}, following symlinks, as auditctl's
 * {@code audit_setup_watch_name}) and user and group names from {@code /etc/passwd} and
 * {@code /etc/group} (auditctl asks NSS through {@code getpwnam}; names served only by LDAP or
 * sssd are not found here and must be given as numbers).
 */
public final class HostAuditFacts implements AuditRules.Host {

    private final Path passwd;
    private final Path group;
    private Map<String, Long> users;
    private Map<String, Long> groups;

    /** Facts of this host. */
    public HostAuditFacts() {
        this(Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    /** Facts read from the given passwd and group files (for tests). */
    public HostAuditFacts(Path passwd, Path group) {
        this.passwd = passwd;
        this.group = group;
    }

    @Override
    public boolean isDirectory(String path) {
        return Files.isDirectory(Path.of(path));
    }

    @Override
    public OptionalLong uid(String name) {
        if (users == null) {
            users = read(passwd);
        }
        Long id = users.get(name);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    @Override
    public OptionalLong gid(String name) {
        if (groups == null) {
            groups = read(group);
        }
        Long id = groups.get(name);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** name:x:id:... lines (passwd(5), group(5)); unreadable files give no names. */
    private static Map<String, Long> read(Path file) {
        Map<String, Long> ids = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && !f[0].isEmpty() && !f[0].startsWith("#")) {
                    try {
                        ids.putIfAbsent(f[0], Long.parseLong(f[2]));
                    } catch (NumberFormatException ignored) {
                        // a malformed line names nobody
                    }
                }
            }
        } catch (IOException e) {
            return ids;
        }
        return ids;
    }
}
