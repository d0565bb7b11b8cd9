/** JMH benchmarks; each class comment carries the command that runs it (see bench/README.md). */
package stargate.bench;
