/** REST endpoints, health and the metrics endpoint, as Grizzly handlers. */
package dev.btclock.server.http;
