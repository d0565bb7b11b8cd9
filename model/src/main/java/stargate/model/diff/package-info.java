/**
 * Object-level config differences (added, changed, removed, by kind and id) and their one-line
 * summary. Entry class: {@link stargate.model.diff.ConfigDiff}.
 */
package stargate.model.diff;
