/**
 * The offline command line ({@code stargate validate}, {@code stargate explain}). Entry class:
 * {@link stargate.model.tool.ConfigTool}.
 */
package stargate.model.tool;
