package dev.btclock.core.plugin;

import dev.btclock.core.config.ConfigException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Finds a provider by name among those found with {@link ServiceLoader} or handed in as a list
 * (tests). Shared by the upstream drivers and the buses so that both report problems the same way:
 *
 * <ul>
 *   <li>{@code unknown upstream driver "mempol" (UPSTREAM); available: bitcoind-rpc, mempool-ws}</li>
 *   <li>{@code two upstream drivers are named "mempool-ws" (UPSTREAM): com.a.One, com.b.Two}</li>
 *   <li>{@code upstream driver provider com.x.Broken failed to load: <cause>}</li>
 * </ul>
 *
 * <p>Immutable after construction; safe to share.
 *
 * @param <P> the provider type
 */
public final class ProviderLookup<P> {

    private final String kind;
    private final String setting;
    private final Map<String, List<P>> byName = new TreeMap<>();
    private final List<String> loadFailures;

    private ProviderLookup(String kind, String setting, List<P> providers, Function<P, String> nameOf,
                           List<String> loadFailures) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.setting = Objects.requireNonNull(setting, "setting");
        for (P p : providers) {
            byName.computeIfAbsent(nameOf.apply(p), n -> new ArrayList<>()).add(p);
        }
        this.loadFailures = List.copyOf(loadFailures);
    }

    /**
     * Instantiates every provider {@code loader} finds. Providers that fail to load are remembered
     * and reported by {@link #find}.
     *
     * <p>The caller creates the {@link ServiceLoader}, because on the module path only a module that
     * declares {@code uses} for a service may load it: the SPI modules do ({@code Drivers},
     * {@code Buses}), this module cannot.
     *
     * @param loader  the providers to consider, not yet iterated
     * @param kind    what users choose, for messages: {@code "upstream driver"}
     * @param setting the setting that names it: {@code "UPSTREAM"}
     * @param nameOf  the provider's {@code name()}
     */
    public static <P> ProviderLookup<P> load(ServiceLoader<P> loader, String kind, String setting,
                                             Function<P, String> nameOf) {
        List<P> providers = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Iterator<ServiceLoader.Provider<P>> it = loader.stream().iterator();
        while (true) {
            ServiceLoader.Provider<P> candidate;
            try {
                if (!it.hasNext()) {
                    break;
                }
                candidate = it.next();
            } catch (ServiceConfigurationError e) {
                failures.add(kind + " provider failed to load: " + rootMessage(e));
                continue;
            }
            try {
                providers.add(candidate.get());
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                failures.add(kind + " provider " + candidate.type().getName() + " failed to load: " + rootMessage(e));
            }
        }
        return new ProviderLookup<>(kind, setting, providers, nameOf, failures);
    }

    /** A lookup over exactly {@code providers}, for tests and embedders. */
    public static <P> ProviderLookup<P> of(List<P> providers, String kind, String setting, Function<P, String> nameOf) {
        return new ProviderLookup<>(kind, setting, providers, nameOf, List.of());
    }

    /** Every available name, sorted. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /**
     * The provider named {@code name}.
     *
     * @throws ConfigException naming the setting when the name is unknown, two providers share it,
     *     or any provider failed to load
     */
    public P find(String name) {
        List<String> problems = new ArrayList<>(loadFailures);
        List<P> matches = byName.getOrDefault(name, List.of());
        if (matches.isEmpty()) {
            problems.add("unknown " + kind + " \"" + name + "\" (" + setting + "); available: "
                    + (byName.isEmpty() ? "(none)" : String.join(", ", byName.keySet())));
        } else if (matches.size() > 1) {
            List<String> classes = new ArrayList<>();
            for (P p : matches) {
                classes.add(p.getClass().getName());
            }
            problems.add("two " + kind + "s are named \"" + name + "\" (" + setting + "): " + String.join(", ", classes));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return matches.get(0);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }
}
