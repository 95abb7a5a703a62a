package dev.btclock.server.publish;

/**
 * Creates a {@link ChangePublisher}; found with {@link java.util.ServiceLoader} by {@link #name()},
 * enabled by naming it in {@code PUBLISHERS} (or by its own switch, such as
 * {@code PUBLISH_TO_NOSTR=true}). Constructors do no I/O and start no threads.
 */
public interface PublisherProvider {

    /** The word users put in {@code PUBLISHERS}, e.g. {@code nostr}. */
    String name();

    /**
     * Whether {@code settings} turn this publisher on without naming it in {@code PUBLISHERS}: the
     * switch it had before publishers were plugins ({@code PUBLISH_TO_NOSTR=true}); false by default.
     */
    default boolean enabledBy(java.util.Map<String, String> settings) {
        return false;
    }

    /**
     * Creates the publisher.
     *
     * @throws dev.btclock.core.config.ConfigException listing every bad setting by name
     */
    ChangePublisher create(PublisherContext context);
}
