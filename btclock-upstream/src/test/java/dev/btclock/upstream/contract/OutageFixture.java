package dev.btclock.upstream.contract;

/** A fixture whose upstream can go away and come back on the same address. */
public interface OutageFixture extends BlockFixture {

    /** The upstream goes away (connections refused or dropped). */
    void drop() throws Exception;

    /** The upstream is back, on the same address. */
    void restore() throws Exception;
}
