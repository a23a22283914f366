package org.canister.daemon.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.canister.daemon.doctor.Doctor;
import org.canister.daemon.doctor.Facility;
import picocli.CommandLine.Command;

/** {@code canister doctor}: one line per kernel facility, works or does not, with the reason. */
@Command(name = "doctor", description = "Check every kernel facility and tool Canister uses (works / does not, with the errno).")
public final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<Facility> all = Doctor.probeAll();
        for (Facility f : all) {
            System.out.println(f.line());
        }
        return 0;
    }
}
