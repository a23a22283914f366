package org.canister.daemon.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts of this mount namespace, from {@code /proc/self/mountinfo} (proc(5)): enough to tell
 * what, if anything, is mounted on the control filesystem's mount point before mounting there.
 */
final class MountTable {

    /**
     * One mountinfo line.
     *
     * @param mountPoint the mount point with the kernel's octal escapes ({@code \040}) decoded
     * @param fsType     e.g. {@code tmpfs}, {@code fuse.canister}
     * @param source     the mount source ({@code fsname=} of a FUSE mount)
     * @param device     {@code major:minor}; for FUSE the minor names {@code /sys/fs/fuse/connections/<minor>}
     */
    record Mount(int id, String mountPoint, String fsType, String source, String device) {
        boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.") || fsType.equals("fuseblk");
        }
    }

    private MountTable() {
    }

    /** The mounts of the calling process's mount namespace, in mount order. */
    static List<Mount> read() throws IOException {
        return parse(Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
    }

    /**
     * Parse mountinfo text: {@code id parent major:minor root mountpoint options [optional...] - fstype source superoptions}.
     * Malformed lines are skipped.
     */
    static List<Mount> parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 10) {
                continue;
            }
            int sep = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    sep = i;
                    break;
                }
            }
            if (sep < 0 || sep + 2 >= f.length) {
                continue;
            }
            try {
                mounts.add(new Mount(Integer.parseInt(f[0]), unescape(f[4]), unescape(f[sep + 1]),
                        unescape(f[sep + 2]), f[2]));
            } catch (NumberFormatException e) {
                // not a mountinfo line
            }
        }
        return mounts;
    }

    /** The topmost mount whose mount point is exactly {@code path} (the last one listed), or null. */
    static Mount topAt(List<Mount> mounts, String path) {
        Mount top = null;
        for (Mount m : mounts) {
            if (m.mountPoint().equals(path)) {
                top = m;
            }
        }
        return top;
    }

    /** Undo the kernel's {@code \ooo} escapes (space, tab, newline, backslash) of show_mountinfo/mangle(). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1) && isOctal(s, i + 2) && isOctal(s, i + 3)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
