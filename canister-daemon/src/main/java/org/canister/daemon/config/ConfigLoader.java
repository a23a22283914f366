package org.canister.daemon.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@link CanisterConfig} from YAML, turning every mistake into one sentence that names file and line. */
public final class ConfigLoader {
    /** The file the daemon reads when no --config is given and it exists. */
    public static final Path DEFAULT_FILE = Path.of("/etc/canister/canister.yaml");
    static final String EMBEDDED = "canister-default.yaml";

    private final ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** A configuration error for a person: which file, which line, what to do. */
    public static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    /**
     * The explicit file if given (it must exist), else {@link #DEFAULT_FILE} when present, else the
     * embedded defaults.
     */
    public CanisterConfig load(Path explicit) throws ConfigException {
        if (explicit != null) {
            if (!Files.isReadable(explicit)) {
                throw new ConfigException("config file " + explicit + " does not exist or is not readable; "
                        + "give a readable file to --config or leave the flag out to use the embedded defaults");
            }
            return loadFile(explicit);
        }
        if (Files.isReadable(DEFAULT_FILE)) {
            return loadFile(DEFAULT_FILE);
        }
        return loadEmbedded();
    }

    public CanisterConfig loadEmbedded() throws ConfigException {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/" + EMBEDDED)) {
            if (in == null) {
                throw new ConfigException("the embedded " + EMBEDDED + " is missing from the jar; rebuild canister");
            }
            return parse(in.readAllBytes(), "embedded " + EMBEDDED);
        } catch (IOException e) {
            throw new ConfigException("cannot read the embedded defaults: " + e.getMessage());
        }
    }

    public CanisterConfig loadFile(Path file) throws ConfigException {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    CanisterConfig parse(byte[] yaml, String source) throws ConfigException {
        try {
            CanisterConfig c = mapper.readValue(yaml, CanisterConfig.class);
            return c == null ? new CanisterConfig(null, null) : c;
        } catch (UnrecognizedPropertyException e) {
            int line = keyLine(yaml, e);
            throw new ConfigException("EINVAL: unknown config key '" + path(e) + "' in " + source + " line "
                    + (line > 0 ? line : line(e))
                    + "; known keys there: " + e.getKnownPropertyIds() + " (check the spelling)");
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String what = root instanceof IllegalArgumentException
                    ? root.getMessage()
                    : "'" + path(e) + "' has a value of the wrong kind (" + kind(e) + ")";
            int line = -1;
            if (root instanceof IllegalArgumentException && what != null && what.indexOf(' ') > 0) {
                // validation messages start with the full key ("tasks.tombstone-grace-seconds must ..."):
                // its line is more precise than the enclosing mapping's, which is all Jackson knows
                line = keyLine(yaml, java.util.List.of(what.substring(0, what.indexOf(' ')).split("[.]")));
            }
            if (line < 0) {
                line = keyLine(yaml, e);
            }
            throw new ConfigException("EINVAL: invalid config in " + source + " line " + (line > 0 ? line : line(e))
                    + ": " + firstLine(what));
        } catch (JsonProcessingException e) {
            throw new ConfigException("EINVAL: malformed YAML in " + source + " line " + line(e) + ": "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + source + ": " + e.getMessage());
        }
    }

    /** What the key wanted, in YAML words rather than Java type names. */
    private static String kind(com.fasterxml.jackson.databind.JsonMappingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("Integer") || m.contains("int")) {
            return "a whole number is expected";
        }
        if (m.contains("Path") || m.contains("String")) {
            return "a path or string is expected";
        }
        return "a mapping of known keys is expected";
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.isEmpty() && e instanceof UnrecognizedPropertyException u ? u.getPropertyName() : sb.toString();
    }

    /**
     * The line of the offending key itself: Jackson reports where the parser stood after the
     * value, which is the next line. Walks the key path downwards through the text.
     */
    static int keyLine(byte[] yaml, com.fasterxml.jackson.databind.JsonMappingException e) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                names.add(ref.getFieldName());
            }
        }
        return keyLine(yaml, names);
    }

    /** 1-based line of the key path walked downwards through the text, or -1. */
    static int keyLine(byte[] yaml, java.util.List<String> names) {
        String[] lines = new String(yaml, java.nio.charset.StandardCharsets.UTF_8).split("\n", -1);
        int from = 0;
        int found = -1;
        for (String name : names) {
            found = -1;
            for (int i = from; i < lines.length; i++) {
                String t = lines[i].strip();
                if (t.startsWith(name + ":") || t.startsWith("\"" + name + "\":") || t.startsWith("- " + name + ":")) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                return -1;
            }
            from = found + 1;
        }
        return found < 0 ? -1 : found + 1;
    }

    private static int line(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        return loc == null ? 0 : loc.getLineNr();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed YAML";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
