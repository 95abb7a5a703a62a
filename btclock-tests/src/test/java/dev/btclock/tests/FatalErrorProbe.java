package dev.btclock.tests;

import dev.btclock.server.Main;

/**
 * The production {@link Main} with one extra thread that dies of an {@link Error} once the server
 * is up: what the process then does is what it does for an out-of-memory error in a selector or
 * a stack overflow in a writer. Run by {@code ProcessGuardsIT} with the server jar on the class path.
 */
public final class FatalErrorProbe {

    private FatalErrorProbe() {
    }

    public static void main(String[] args) throws Exception {
        Thread probe = new Thread(() -> {
            while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("btclock-ws-pinger"))) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
            throw new StackOverflowError("a server thread overflowed its stack (probe)");
        }, "btclock-fatal-probe");
        probe.setDaemon(true);
        probe.start();
        Main.main(args);
    }
}
