package org.canister.daemon.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.canister.core.CanisterException;
import org.canister.core.contid.ContidValue;
import org.canister.daemon.contid.OciState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code canister oci-config BUNDLE}: adds Canister's hooks to an OCI bundle's {@code config.json}:
 * {@code hooks.createRuntime} runs {@code canister oci-hook createRuntime} (labels the container's init)
 * and {@code hooks.poststop} runs {@code canister oci-hook poststop} (confirms the drop). Hooks
 * already there are kept; an earlier Canister hook (same path, an {@code oci-hook} argument) is
 * replaced, so running it twice changes nothing. {@code --contid} also sets the annotation
 * {@code org.canister.contid}. The file is rewritten through a temporary file and a rename.
 */
@Command(name = "oci-config", description = "Add Canister's createRuntime and poststop hooks to an OCI bundle's config.json.")
public final class OciConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BUNDLE", description = "Bundle directory (holds config.json).")
    Path bundle;

    @Option(names = "--mount", description = "Control filesystem mount the hook uses (default ${DEFAULT-VALUE}).",
            defaultValue = "/run/canister/fs")
    Path mount;

    @Option(names = "--canister", description = "The canister command the runtime runs (default ${DEFAULT-VALUE}).",
            defaultValue = "/usr/local/bin/canister")
    Path canister;

    @Option(names = "--canister-arg", paramLabel = "ARG",
            description = "An argument put before 'oci-hook' (repeatable; e.g. JVM options when --canister is java).")
    List<String> canisterArgs = new ArrayList<>();

    @Option(names = "--timeout", description = "Seconds the runtime waits for each hook (default ${DEFAULT-VALUE}).",
            defaultValue = "30")
    int timeoutSeconds;

    @Option(names = "--contid", paramLabel = "ID", description = "Also set annotation org.canister.contid=ID.")
    String contid;

    @Override
    public Integer call() {
        Path file = bundle.resolve("config.json");
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        JsonNode root;
        try {
            root = json.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            System.err.println("canister oci-config: " + file + " does not exist; create it with 'runc spec' in " + bundle);
            return 2;
        } catch (JsonProcessingException e) {
            System.err.println("canister oci-config: " + file + " is not valid JSON (" + e.getOriginalMessage() + ")");
            return 2;
        } catch (IOException e) {
            System.err.println("canister oci-config: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        if (!(root instanceof ObjectNode config)) {
            System.err.println("canister oci-config: " + file + " is not a JSON object");
            return 2;
        }
        if (contid != null) {
            try {
                if (ContidValue.parse(contid) == ContidValue.UNSET) {
                    System.err.println("canister oci-config: --contid 18446744073709551615 means unset; give another ID");
                    return 2;
                }
            } catch (CanisterException e) {
                System.err.println("canister oci-config: --contid: " + e.getMessage());
                return 2;
            }
            config.withObject("annotations").put(OciState.ANNOTATION, contid);
        }
        if (timeoutSeconds < 1) {
            System.err.println("canister oci-config: --timeout must be at least 1 second");
            return 2;
        }
        ObjectNode hooks = config.withObject("hooks");
        install(json, hooks, "createRuntime");
        install(json, hooks, "poststop");
        Path tmp = file.resolveSibling("config.json.canister-tmp");
        try {
            Files.write(tmp, json.writeValueAsBytes(config));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("canister oci-config: cannot write " + file + ": " + e.getMessage());
            return 2;
        }
        return 0;
    }

    private void install(ObjectMapper json, ObjectNode hooks, String stage) {
        ArrayNode old = hooks.get(stage) instanceof ArrayNode a ? a : json.createArrayNode();
        ArrayNode kept = json.createArrayNode();
        for (JsonNode h : old) {
            if (!isOurs(h)) {
                kept.add(h);
            }
        }
        ObjectNode hook = json.createObjectNode();
        hook.put("path", canister.toString());
        ArrayNode args = hook.putArray("args");
        args.add(canister.getFileName().toString());
        canisterArgs.forEach(args::add);
        args.add("oci-hook").add("--mount").add(mount.toString()).add(stage);
        hook.put("timeout", timeoutSeconds);
        kept.add(hook);
        hooks.set(stage, kept);
    }

    private boolean isOurs(JsonNode h) {
        if (!canister.toString().equals(h.path("path").asText())) {
            return false;
        }
        for (JsonNode a : h.path("args")) {
            if ("oci-hook".equals(a.asText())) {
                return true;
            }
        }
        return false;
    }
}
