package org.canister.daemon.doctor;

/** One kernel facility or tool, and whether it works here, with the reason when it does not. */
public record Facility(String name, boolean works, String detail) {
    public static Facility works(String name, String detail) {
        return new Facility(name, true, detail);
    }

    public static Facility fails(String name, String detail) {
        return new Facility(name, false, detail);
    }

    /** The doctor's line: {@code name  works|does not  detail}. */
    public String line() {
        return String.format("%-28s %-9s %s", name, works ? "works" : "does not", detail);
    }
}
