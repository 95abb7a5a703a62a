/**
 * Protections against hostile or broken input and against a process that would live on broken: the
 * inbound memory budget, HTTP request framing checks, accept back-off at the descriptor limit, and the
 * exit on fatal errors.
 */
package dev.btclock.server.guard;
