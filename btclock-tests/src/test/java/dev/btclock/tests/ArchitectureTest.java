package dev.btclock.tests;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The layering of the libraries, checked on their compiled classes: core depends on nothing of the
 * project; an SPI depends only on core; a driver or a bus implementation only on its SPI and core,
 * never on another implementation; only the server reads the environment; the portable device
 * endpoints use the Jakarta WebSocket API only, and the server names no engine.
 */
class ArchitectureTest {

    /** The project's production classes (the libraries and the server), not its tests or kits. */
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.btclock");

    @Test
    void core_dependsOnNothingElseOfTheProject() {
        onlyOnItselfAnd("dev.btclock.core..");
    }

    @Test
    void eachSpi_dependsOnlyOnCore() {
        onlyOnItselfAnd("dev.btclock.upstream.spi..", "dev.btclock.core..");
        onlyOnItselfAnd("dev.btclock.bus.spi..", "dev.btclock.core..");
    }

    @Test
    void drivers_dependOnlyOnTheirSpiAndCore_andNotOnEachOther() {
        for (String driver : List.of("dev.btclock.upstream.mempool..", "dev.btclock.upstream.bitcoind..",
                "dev.btclock.upstream.exchange..", "dev.btclock.upstream.price..")) {
            onlyOnItselfAnd(driver, "dev.btclock.upstream.spi..", "dev.btclock.core..");
        }
        // The supervisor combines drivers through the SPI and the price median, and knows no driver.
        onlyOnItselfAnd("dev.btclock.upstream.failover..", "dev.btclock.upstream.spi..", "dev.btclock.upstream.price..",
                "dev.btclock.core..");
    }

    @Test
    void buses_dependOnlyOnTheirSpiAndCore_andNotOnEachOther() {
        for (String bus : List.of("dev.btclock.bus.inproc..", "dev.btclock.bus.valkey..")) {
            onlyOnItselfAnd(bus, "dev.btclock.bus.spi..", "dev.btclock.core..");
        }
    }

    @Test
    void nostr_dependsOnlyOnCore() {
        onlyOnItselfAnd("dev.btclock.nostr..", "dev.btclock.core..");
    }

    @Test
    void thePortableEndpoints_useTheStandardApiOnly_andTheFanoutKnowsNoEngine() {
        // DeviceEndpoints must deploy into any Jakarta WebSocket container: no Tyrus, no Grizzly.
        noClasses().that().resideInAPackage("dev.btclock.server.jakarta..")
                .should().dependOnClassesThat().resideInAnyPackage("org.glassfish..", "dev.btclock.server.tyrus..")
                .check(PRODUCTION);
        // The fan-out serves Recipients of any engine; it reaches into no connection's internals.
        noClasses().that().haveFullyQualifiedName("dev.btclock.server.ws.Fanout")
                .should().dependOnClassesThat().resideInAnyPackage("org.glassfish..", "dev.btclock.server.jakarta..",
                        "dev.btclock.server.tyrus..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.btclock.server.ws.Client")
                .check(PRODUCTION);
        // Engines are plugins: the assembly picks them by name and never names one.
        noClasses().that().resideInAPackage("dev.btclock.server")
                .should().dependOnClassesThat().resideInAnyPackage("dev.btclock.server.tyrus..", "dev.btclock.server.jakarta..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.btclock.server.ws.ClientSupervisor")
                .check(PRODUCTION);
    }

    @Test
    void onlyTheServer_readsTheEnvironment() {
        // Libraries take their settings as values (a Settings view, a config record); where they come
        // from is the embedding application's business.
        noClasses().that().resideOutsideOfPackage("dev.btclock.server..")
                .should().callMethod(System.class, "getenv")
                .orShould().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(ProcessBuilder.class, "environment")
                .check(PRODUCTION);
    }

    /**
     * Classes in {@code layer} depend on no class of the project outside {@code layer} and
     * {@code allowed}; anything outside the project (the JDK, their libraries) is theirs to use.
     */
    private static void onlyOnItselfAnd(String layer, String... allowed) {
        List<String> packages = new ArrayList<>(List.of(allowed));
        packages.add(layer);
        DescribedPredicate<JavaClass> permitted = resideOutsideOfPackage("dev.btclock..")
                .or(resideInAnyPackage(packages.toArray(String[]::new)));
        classes().that().resideInAPackage(layer)
                .should().onlyDependOnClassesThat(permitted)
                .check(PRODUCTION);
    }
}
