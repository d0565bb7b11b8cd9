/**
 * Config history and what a rollback restores: {@link stargate.controller.history.History} (entry
 * class) keeps the whole config after each write under {@code <prefix>/history/}, bounded.
 */
package stargate.controller.history;
