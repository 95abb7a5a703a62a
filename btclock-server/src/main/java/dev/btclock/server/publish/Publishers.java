package dev.btclock.server.publish;

import dev.btclock.core.config.ConfigException;
import dev.btclock.core.plugin.ProviderLookup;
import dev.btclock.core.state.Change;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The publishers a configuration turns on ({@code PUBLISHERS}, plus each provider's own switch),
 * created together and fed every change while this node leads.
 */
public final class Publishers implements AutoCloseable {

    /** The setting that names publishers: comma-separated, empty by default. */
    public static final String SETTING = "PUBLISHERS";

    private final List<ChangePublisher> running;

    private Publishers(List<ChangePublisher> running) {
        this.running = List.copyOf(running);
    }

    /** The publishers on this module's class path. */
    public static ProviderLookup<PublisherProvider> installed() {
        return installed(Publishers.class.getClassLoader());
    }

    /** The publishers {@code loader} sees. */
    public static ProviderLookup<PublisherProvider> installed(ClassLoader loader) {
        return ProviderLookup.load(ServiceLoader.load(PublisherProvider.class, loader), "publisher", SETTING,
                PublisherProvider::name);
    }

    /**
     * Creates every publisher {@code context}'s settings turn on.
     *
     * @throws ConfigException naming every bad setting (an unknown name in {@code PUBLISHERS}
     *     included), after closing what was already created
     */
    public static Publishers create(ProviderLookup<PublisherProvider> providers, PublisherContext context) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : context.settings().getOrDefault(SETTING, "").split(",")) {
            if (!n.isBlank()) {
                names.add(n.trim());
            }
        }
        for (String n : providers.names()) {
            if (providers.find(n).enabledBy(context.settings())) {
                names.add(n);
            }
        }
        List<String> problems = new ArrayList<>();
        List<ChangePublisher> created = new ArrayList<>();
        for (String n : names) {
            try {
                created.add(providers.find(n).create(context));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            created.forEach(ChangePublisher::close);
            throw new ConfigException(problems);
        }
        return new Publishers(created);
    }

    /** Whether no publisher is on. */
    public boolean isEmpty() {
        return running.isEmpty();
    }

    /** Starts every publisher. */
    public void start() {
        running.forEach(ChangePublisher::start);
    }

    /** Hands {@code change} to every publisher. */
    public void publish(Change change) {
        for (ChangePublisher p : running) {
            p.publish(change);
        }
    }

    /** Every running publisher's destinations, in the order the publishers were created. */
    public List<ChangePublisher.Destination> destinations() {
        List<ChangePublisher.Destination> all = new ArrayList<>();
        for (ChangePublisher p : running) {
            all.addAll(p.destinations());
        }
        return all;
    }

    @Override
    public void close() {
        running.forEach(ChangePublisher::close);
    }
}
