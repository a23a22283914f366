package org.canister.daemon.fuse;

import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;

/** Plain-Java stand-ins for the jfuse structs, so the operations can be tested without a mount. */
final class FakeFuse {
    private FakeFuse() {
    }

    static final class FakeTime implements TimeSpec {
        Instant value = Instant.EPOCH;

        @Override
        public boolean isUtimeOmit() {
            return false;
        }

        @Override
        public boolean isUtimeNow() {
            return false;
        }

        @Override
        public void set(Instant instant) {
            value = instant;
        }

        @Override
        public Instant get() {
            return value;
        }
    }

    static final class FakeStat implements Stat {
        int mode;
        int uid = -1;
        int gid = -1;
        long nlink;
        long size = -1;
        final FakeTime atime = new FakeTime();
        final FakeTime mtime = new FakeTime();
        final FakeTime ctime = new FakeTime();

        @Override
        public TimeSpec aTime() {
            return atime;
        }

        @Override
        public TimeSpec cTime() {
            return ctime;
        }

        @Override
        public TimeSpec mTime() {
            return mtime;
        }

        @Override
        public TimeSpec birthTime() {
            return new FakeTime();
        }

        @Override
        public void setMode(int mode) {
            this.mode = mode;
        }

        @Override
        public int getMode() {
            return mode;
        }

        @Override
        public void setUid(int uid) {
            this.uid = uid;
        }

        @Override
        public int getUid() {
            return uid;
        }

        @Override
        public void setGid(int gid) {
            this.gid = gid;
        }

        @Override
        public int getGid() {
            return gid;
        }

        @Override
        public void setNLink(short nlink) {
            this.nlink = nlink;
        }

        @Override
        public long getNLink() {
            return nlink;
        }

        @Override
        public void setSize(long size) {
            this.size = size;
        }

        @Override
        public long getSize() {
            return size;
        }
    }

    static final class FakeFileInfo implements FileInfo {
        long fh;
        final int flags;

        FakeFileInfo(int flags) {
            this.flags = flags;
        }

        @Override
        public long getFh() {
            return fh;
        }

        @Override
        public void setFh(long fh) {
            this.fh = fh;
        }

        @Override
        public int getFlags() {
            return flags;
        }

        @Override
        public Set<StandardOpenOption> getOpenFlags() {
            return Set.of();
        }

        @Override
        public long getLockOwner() {
            return 0;
        }
    }

    static final class FakeFiller implements DirFiller {
        final List<String> names = new ArrayList<>();

        @Override
        public int fill(String name, Consumer<Stat> stat, long offset, int flags) {
            stat.accept(new FakeStat());
            names.add(name);
            return 0;
        }
    }

    static final class FakeStatvfs implements Statvfs {
        long bsize;
        long frsize;
        long blocks;
        long bfree;
        long bavail;
        long nameMax;

        @Override
        public long getBsize() {
            return bsize;
        }

        @Override
        public void setBsize(long v) {
            bsize = v;
        }

        @Override
        public long getFrsize() {
            return frsize;
        }

        @Override
        public void setFrsize(long v) {
            frsize = v;
        }

        @Override
        public long getBlocks() {
            return blocks;
        }

        @Override
        public void setBlocks(long v) {
            blocks = v;
        }

        @Override
        public long getBfree() {
            return bfree;
        }

        @Override
        public void setBfree(long v) {
            bfree = v;
        }

        @Override
        public long getBavail() {
            return bavail;
        }

        @Override
        public void setBavail(long v) {
            bavail = v;
        }

        @Override
        public long getNameMax() {
            return nameMax;
        }

        @Override
        public void setNameMax(long v) {
            nameMax = v;
        }
    }

    static final class FakeConnInfo implements FuseConnInfo {
        final int capable;
        int want;

        FakeConnInfo(int capable) {
            this.capable = capable;
        }

        @Override
        public int protoMajor() {
            return 7;
        }

        @Override
        public int protoMinor() {
            return 38;
        }

        @Override
        public int capable() {
            return capable;
        }

        @Override
        public int want() {
            return want;
        }

        @Override
        public void setWant(int wanted) {
            want = wanted;
        }

        @Override
        public int maxWrite() {
            return 0;
        }

        @Override
        public void setMaxWrite(int maxWrite) {
        }

        @Override
        public int maxReadahead() {
            return 0;
        }

        @Override
        public void setMaxReadahead(int maxReadahead) {
        }

        @Override
        public int maxBackground() {
            return 0;
        }

        @Override
        public void setMaxBackground(int maxBackground) {
        }

        @Override
        public int congestionThreshold() {
            return 0;
        }

        @Override
        public void setCongestionThreshold(int congestionThreshold) {
        }
    }
}
