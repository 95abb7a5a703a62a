package dev.btclock.tests;

import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a device suite once per WebSocket engine ({@code WS_ENGINE=native}, then {@code jsr356}).
 * The suite declares {@code @Parameter String engine} and calls {@link TestServer#useEngine} with
 * it before it starts a server (and with null after).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedClass(name = "WS_ENGINE={0}")
@ValueSource(strings = {"native", "jsr356"})
public @interface BothEngines {
}
