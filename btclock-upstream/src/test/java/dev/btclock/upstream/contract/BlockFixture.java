package dev.btclock.upstream.contract;

/** A fixture whose upstream announces new blocks the way the real one would. */
public interface BlockFixture extends DriverFixture {

    /** The height the upstream's tip has when the fixture starts. */
    long FIRST_HEIGHT = 903412;

    /** The upstream's tip becomes {@code height} and is announced. */
    void tip(long height) throws Exception;
}
