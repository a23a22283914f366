package org.canister.core.contid;

/**
 * Registry settings.
 *
 * @param nsfsDev    the nsfs device of namespace files as {@code %02x:%02x} (e.g. {@code 00:04}, from
 *                   {@code stat /proc/self/ns/net}), printed as NS_INFO {@code dev=}; null prints {@code ?}
 * @param maxObjects registered containers allowed before a new ID is refused with ENOMEM (spec req. 2
 *                   "allocation failure/registry full"; v11 has no limit, v7 had 65536)
 */
public record ContidSettings(String nsfsDev, int maxObjects) {
    /** nsfs device unknown, one million containers. */
    public static final ContidSettings DEFAULTS = new ContidSettings(null, 1_000_000);

    public ContidSettings {
        if (maxObjects < 1) {
            throw new IllegalArgumentException("maxObjects must be positive: " + maxObjects);
        }
    }
}
